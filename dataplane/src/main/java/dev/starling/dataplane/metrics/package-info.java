/**
 * The node's Prometheus metrics and the HTTP endpoint that serves them.
 * <p>
 * {@link dev.starling.dataplane.metrics.DataplaneMetrics} holds the counters and gauges in a registry of its own; the
 * daemon creates one and hands it to whatever counts (downloader, piece server), which may call it from any thread.
 * The per-piece methods allocate nothing. {@link dev.starling.dataplane.metrics.MetricsServer} serves that registry
 * on {@code /metrics} and a caller's health check on {@code /healthz}; the daemon owns it and closes it on shutdown.
 */
package dev.starling.dataplane.metrics;
