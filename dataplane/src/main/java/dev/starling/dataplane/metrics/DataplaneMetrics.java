package dev.starling.dataplane.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The node's Prometheus metrics, in a registry of its own so that several daemons in one JVM (as in tests) do not
 * collide. Exposed as:
 * <ul>
 *     <li>{@code starling_bytes_total{source="origin"|"peer"|"served"}} (counter)</li>
 *     <li>{@code starling_pieces_total{source="origin"|"peer"|"served"}} (counter)</li>
 *     <li>{@code starling_errors_total{code="..."}} (counter)</li>
 *     <li>{@code starling_transport_info{transport="..."}} (info: 1 on the transport in use)</li>
 *     <li>{@code starling_transport_fallbacks_total} (counter)</li>
 *     <li>{@code starling_tasks{state="downloading"|"complete"}} (gauge)</li>
 *     <li>{@code starling_scheduler_fallbacks_total} (counter: downloads that went to the origin without the scheduler's
 *     word: it was unreachable, silent, or the swarm stalled)</li>
 *     <li>{@code starling_parents_excluded_total{reason="..."}} (counter: parents a download stopped using)</li>
 *     <li>{@code starling_scheduler_connected} (gauge: 1 while the scheduler is reachable)</li>
 * </ul>
 * The per-piece methods use data points resolved once in the constructor, so counting allocates nothing. Exemplars
 * are off: the daemon has no tracer, so sampling them would only cost time per increment. Thread-safe.
 */
public final class DataplaneMetrics
{
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter errors;
    private final Info transport;
    private final Counter transportFallbacks;
    private final CounterDataPoint originBytes;
    private final CounterDataPoint peerBytes;
    private final CounterDataPoint servedBytes;
    private final CounterDataPoint originPieces;
    private final CounterDataPoint peerPieces;
    private final CounterDataPoint servedPieces;
    private final GaugeDataPoint tasksDownloading;
    private final GaugeDataPoint tasksComplete;
    private final Counter schedulerFallbacks;
    private final CounterDataPoint excludedDigest;
    private final CounterDataPoint excludedConnection;
    private final Gauge schedulerConnected;
    private final CounterDataPoint refusedBusy;
    private final CounterDataPoint refusedNotAvailable;

    /**
     * Creates the metrics in a new registry.
     */
    public DataplaneMetrics()
    {
        final Counter bytes = Counter.builder()
            .name("starling_bytes_total")
            .help("Content bytes by source: received from the origin, received from peers, served to peers")
            .labelNames("source")
            .withoutExemplars()
            .register(registry);
        final Counter pieces = Counter.builder()
            .name("starling_pieces_total")
            .help("Pieces by source: received from the origin, received from peers, served to peers")
            .labelNames("source")
            .withoutExemplars()
            .register(registry);
        errors = Counter.builder()
            .name("starling_errors_total")
            .help("Errors by stable error code")
            .labelNames("code")
            .withoutExemplars()
            .register(registry);
        transport = Info.builder()
            .name("starling_transport_info")
            .help("The piece transport in use (1 on its label)")
            .labelNames("transport")
            .register(registry);
        transportFallbacks = Counter.builder()
            .name("starling_transport_fallbacks_total")
            .help("Times the piece transport fell back: RDMA to TCP (at start, per connection or per piece), or to a lesser TCP engine")
            .withoutExemplars()
            .register(registry);
        final Gauge tasks = Gauge.builder()
            .name("starling_tasks")
            .help("Tasks in the store by state")
            .labelNames("state")
            .withoutExemplars()
            .register(registry);

        schedulerFallbacks = Counter.builder()
            .name("starling_scheduler_fallbacks_total")
            .help("Downloads that went to the origin without the scheduler's word (unreachable, silent, stalled swarm)")
            .withoutExemplars()
            .register(registry);
        final Counter excluded = Counter.builder()
            .name("starling_parents_excluded_total")
            .help("Parents a download stopped using, by reason")
            .labelNames("reason")
            .withoutExemplars()
            .register(registry);
        final Counter refusals = Counter.builder()
            .name("starling_peer_refusals_total")
            .help("Piece requests a parent declined, by answer: busy (at its limit, or a seed sending other pieces " +
                "first) or not_available (it does not hold the piece yet); not errors")
            .labelNames("status")
            .withoutExemplars()
            .register(registry);
        refusedBusy = refusals.labelValues("busy");
        refusedNotAvailable = refusals.labelValues("not_available");
        excludedDigest = excluded.labelValues("digest_mismatch");
        excludedConnection = excluded.labelValues("connection");
        schedulerConnected = Gauge.builder()
            .name("starling_scheduler_connected")
            .help("1 while the scheduler is reachable, 0 otherwise (absent without --scheduler)")
            .withoutExemplars()
            .register(registry);
        originBytes = bytes.labelValues("origin");
        peerBytes = bytes.labelValues("peer");
        servedBytes = bytes.labelValues("served");
        originPieces = pieces.labelValues("origin");
        peerPieces = pieces.labelValues("peer");
        servedPieces = pieces.labelValues("served");
        tasksDownloading = tasks.labelValues("downloading");
        tasksComplete = tasks.labelValues("complete");
    }

    /**
     * @return the registry holding these metrics and nothing else; scrape it to expose them.
     */
    public PrometheusRegistry registry()
    {
        return registry;
    }

    /**
     * Adds to {@code starling_bytes_total{source="origin"}}. Allocates nothing.
     *
     * @param bytes bytes received from the origin; not negative.
     */
    public void onOriginBytes(final long bytes)
    {
        originBytes.inc(bytes);
    }

    /**
     * Adds to {@code starling_bytes_total{source="peer"}}. Allocates nothing.
     *
     * @param bytes verified piece bytes received from peers; not negative.
     */
    public void onPeerBytes(final long bytes)
    {
        peerBytes.inc(bytes);
    }

    /**
     * Adds to {@code starling_bytes_total{source="served"}}. Allocates nothing.
     *
     * @param bytes piece bytes served to peers; not negative.
     */
    public void onServedBytes(final long bytes)
    {
        servedBytes.inc(bytes);
    }

    /**
     * A piece arrived from the origin: {@code starling_pieces_total{source="origin"}}. Allocates nothing.
     */
    public void onOriginPiece()
    {
        originPieces.inc();
    }

    /**
     * A verified piece arrived from a peer: {@code starling_pieces_total{source="peer"}}. Allocates nothing.
     */
    public void onPeerPiece()
    {
        peerPieces.inc();
    }

    /**
     * A piece was served to a peer: {@code starling_pieces_total{source="served"}}. Allocates nothing.
     */
    public void onServedPiece()
    {
        servedPieces.inc();
    }

    /**
     * Counts an error in {@code starling_errors_total{code="..."}}. Looks the label up per call, which allocates:
     * errors are off the hot path.
     *
     * @param code the error's stable code name, e.g. {@code ErrorCode.PEER_FAILED.name()}.
     */
    public void onError(final String code)
    {
        errors.labelValues(code).inc();
    }

    /**
     * Sets {@code starling_transport_info{transport=name}} to 1 and drops the label of the transport named before,
     * so exactly one transport shows.
     *
     * @param name the piece transport now in use, e.g. {@code tcp-io-uring}.
     */
    public void transportInUse(final String name)
    {
        transport.setLabelValues(name);
    }

    /**
     * The piece transport fell back to a lesser engine: {@code starling_transport_fallbacks_total}.
     */
    public void onTransportFallback()
    {
        transportFallbacks.inc();
    }

    /**
     * Sets {@code starling_tasks{state="downloading"}} and {@code starling_tasks{state="complete"}}.
     *
     * @param downloading tasks with pieces missing.
     * @param complete    complete tasks.
     */
    public void tasks(final long downloading, final long complete)
    {
        tasksDownloading.set(downloading);
        tasksComplete.set(complete);
    }

    /**
     * Counts a download that went to the origin because the scheduler could not steer it.
     */
    public void onSchedulerFallback()
    {
        schedulerFallbacks.inc();
    }

    /**
     * Counts a parent excluded by a download.
     *
     * @param wrongBytes true when it served bytes that fail their digest, false when its connection failed.
     */
    public void onParentExcluded(final boolean wrongBytes)
    {
        (wrongBytes ? excludedDigest : excludedConnection).inc();
    }

    /**
     * Counts a piece request a parent declined without failing. Allocates nothing.
     *
     * @param busy true for BUSY, false for NOT_YET_AVAILABLE or NOT_FOUND.
     */
    public void onPeerRefusal(final boolean busy)
    {
        (busy ? refusedBusy : refusedNotAvailable).inc();
    }

    /**
     * @param connected whether the scheduler is reachable now.
     */
    public void schedulerConnected(final boolean connected)
    {
        schedulerConnected.set(connected ? 1 : 0);
    }

    /**
     * @return downloads that fell back to the origin without the scheduler; for tests and the swarm summary.
     */
    public long schedulerFallbacks()
    {
        return (long)schedulerFallbacks.get();
    }
}
