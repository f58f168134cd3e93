/**
 * The node's Prometheus metrics ({@link dev.starling.dataplane.metrics.DataplaneMetrics}) and the HTTP endpoint
 * that serves them with {@code /healthz} ({@link dev.starling.dataplane.metrics.MetricsServer}).
 */
package dev.starling.dataplane.metrics;
