package dev.starling.dataplane.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The node's Prometheus metrics, in a registry of its own (several daemons in one JVM, as in tests, do not
 * collide). The per-piece methods use data points resolved once, so counting allocates nothing. Thread-safe.
 */
public final class DataplaneMetrics
{
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter errors;
    private final Gauge transport;
    private final Counter transportFallbacks;
    private final Gauge tasks;
    private final CounterDataPoint originBytes;
    private final CounterDataPoint peerBytes;
    private final CounterDataPoint servedBytes;
    private final CounterDataPoint originPieces;
    private final CounterDataPoint peerPieces;
    private final CounterDataPoint servedPieces;
    private String transportName;

    /**
     * Creates the metrics in a new registry.
     */
    public DataplaneMetrics()
    {
        final Counter bytes = Counter.builder().name("starling_bytes_total")
            .help("Content bytes by source: received from the origin, received from peers, served to peers")
            .labelNames("source").register(registry);
        final Counter pieces = Counter.builder().name("starling_pieces_total")
            .help("Pieces by source: from the origin, from peers, served to peers")
            .labelNames("source").register(registry);
        errors = Counter.builder().name("starling_errors_total").help("Errors by stable error code")
            .labelNames("code").register(registry);
        transport = Gauge.builder().name("starling_transport").help("The piece transport in use (value 1 on its label)")
            .labelNames("transport").register(registry);
        transportFallbacks = Counter.builder().name("starling_transport_fallbacks_total")
            .help("Times the piece transport fell back to a lesser engine").register(registry);
        tasks = Gauge.builder().name("starling_tasks").help("Tasks in the store by state")
            .labelNames("state").register(registry);
        originBytes = bytes.labelValues("origin");
        peerBytes = bytes.labelValues("peer");
        servedBytes = bytes.labelValues("served");
        originPieces = pieces.labelValues("origin");
        peerPieces = pieces.labelValues("peer");
        servedPieces = pieces.labelValues("served");
    }

    /**
     * @return the registry holding these metrics.
     */
    public PrometheusRegistry registry()
    {
        return registry;
    }

    /**
     * @param bytes bytes received from the origin.
     */
    public void onOriginBytes(final long bytes)
    {
        originBytes.inc(bytes);
    }

    /**
     * @param bytes verified piece bytes received from peers.
     */
    public void onPeerBytes(final long bytes)
    {
        peerBytes.inc(bytes);
    }

    /**
     * @param bytes piece bytes served to peers.
     */
    public void onServedBytes(final long bytes)
    {
        servedBytes.inc(bytes);
    }

    /**
     * A piece arrived from the origin.
     */
    public void onOriginPiece()
    {
        originPieces.inc();
    }

    /**
     * A verified piece arrived from a peer.
     */
    public void onPeerPiece()
    {
        peerPieces.inc();
    }

    /**
     * A piece was served to a peer.
     */
    public void onServedPiece()
    {
        servedPieces.inc();
    }

    /**
     * @param code the error's stable code name.
     */
    public void onError(final String code)
    {
        errors.labelValues(code).inc();
    }

    /**
     * @param name the piece transport now in use, e.g. {@code tcp-io-uring}.
     */
    public synchronized void transportInUse(final String name)
    {
        if (transportName != null)
        {
            transport.remove(transportName);
        }
        transportName = name;
        transport.labelValues(name).set(1);
    }

    /**
     * The piece transport fell back to a lesser engine.
     */
    public void onTransportFallback()
    {
        transportFallbacks.inc();
    }

    /**
     * @param downloading tasks with pieces missing.
     * @param complete    complete tasks.
     */
    public void tasks(final long downloading, final long complete)
    {
        tasks.labelValues("downloading").set(downloading);
        tasks.labelValues("complete").set(complete);
    }
}
