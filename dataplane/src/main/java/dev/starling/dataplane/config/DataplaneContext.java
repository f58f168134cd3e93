package dev.starling.dataplane.config;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.store.FsyncPolicy;
import dev.starling.dataplane.store.PlacementMode;
import dev.starling.dataplane.task.PieceDigest;
import dev.starling.dataplane.task.PieceDigestPolicy;
import dev.starling.dataplane.task.TaskId;
import dev.starling.dataplane.task.PieceLayout;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The dataplane's settings for one process, with fluent setters; defaults come from
 * {@link DataplaneConfiguration}. Call {@link #conclude()} once all values are set: it validates them and the
 * context is then read-only by convention.
 */
public final class DataplaneContext
{
    /** Smallest index capacity: below it the largest task record no longer fits the index. */
    public static final long MIN_INDEX_MAX_TASKS = 1024;

    private Path dataDir = DataplaneConfiguration.dataDir();
    private long quotaBytes = DataplaneConfiguration.quotaBytes();
    private double lowWatermark = DataplaneConfiguration.lowWatermark();
    private FsyncPolicy fsyncPolicy = DataplaneConfiguration.fsyncPolicy();
    private PlacementMode placementMode = DataplaneConfiguration.placementMode();
    private long indexMaxTasks = DataplaneConfiguration.indexMaxTasks();
    private int sourceConcurrency = DataplaneConfiguration.sourceConcurrency();
    private int peerConcurrency = DataplaneConfiguration.peerConcurrency();
    private int pieceAttempts = DataplaneConfiguration.pieceAttempts();
    private long connectTimeoutMs = DataplaneConfiguration.connectTimeoutMs();
    private long readTimeoutMs = DataplaneConfiguration.readTimeoutMs();
    private int maxRedirects = DataplaneConfiguration.maxRedirects();
    private int pieceLengthBytes = DataplaneConfiguration.pieceLengthBytes();
    private String pieceListen = DataplaneConfiguration.pieceListen();
    private String metricsListen = DataplaneConfiguration.metricsListen();
    private String transport = DataplaneConfiguration.transport();
    private PieceDigestPolicy pieceDigest = DataplaneConfiguration.pieceDigest();
    private String scheduler = DataplaneConfiguration.scheduler();
    private boolean seed = DataplaneConfiguration.seed();
    private String zone = DataplaneConfiguration.zone();
    private String rack = DataplaneConfiguration.rack();
    private String advertiseAddress = DataplaneConfiguration.advertiseAddress();
    private int uploadSlots = DataplaneConfiguration.uploadSlots();
    private long schedulerTimeoutMs = DataplaneConfiguration.schedulerTimeoutMs();
    private long swarmStallTimeoutMs = DataplaneConfiguration.swarmStallTimeoutMs();
    private String aeronDir = DataplaneConfiguration.aeronDir();
    private long aeronLivenessMs = DataplaneConfiguration.aeronLivenessMs();
    private String aeronThreading = DataplaneConfiguration.aeronThreading();
    private InetSocketAddress pieceListenAddress;
    private InetSocketAddress metricsListenAddress;
    private boolean concluded;

    /**
     * Validates the settings.
     *
     * @return this.
     * @throws StarlingException with {@link ErrorCode#BAD_CONFIG} naming the bad setting.
     */
    public DataplaneContext conclude()
    {
        require(dataDir != null, "data-dir must be set");
        require(quotaBytes >= 0, "quota must be >= 0 (0 = 80% of the file system): " + quotaBytes);
        require(lowWatermark > 0 && lowWatermark <= 1, "low-watermark must be in (0, 1]: " + lowWatermark);
        require(fsyncPolicy != null, "fsync must be none, piece or task");
        require(placementMode != null, "placement must be link or copy");
        require(indexMaxTasks >= MIN_INDEX_MAX_TASKS, "index-max-tasks must be >= " + MIN_INDEX_MAX_TASKS +
            " (the index must hold a task of the most pieces): " + indexMaxTasks);
        require(sourceConcurrency >= 1 && sourceConcurrency <= 256, "concurrency must be 1..256: " + sourceConcurrency);
        require(peerConcurrency >= 1 && peerConcurrency <= 1024, "peer-concurrency must be 1..1024: " + peerConcurrency);
        require(pieceAttempts >= 1 && pieceAttempts <= 100, "piece-attempts must be 1..100: " + pieceAttempts);
        require(connectTimeoutMs > 0, "connect-timeout-ms must be > 0: " + connectTimeoutMs);
        require(readTimeoutMs > 0, "read-timeout-ms must be > 0: " + readTimeoutMs);
        require(maxRedirects >= 0 && maxRedirects <= 50, "max-redirects must be 0..50: " + maxRedirects);
        if (pieceLengthBytes != 0)
        {
            try
            {
                PieceLayout.of(0, pieceLengthBytes);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG, ex.getMessage());
            }
        }
        require(pieceDigest != null, "piece-digest must be auto, sha256 or crc32c");
        pieceListenAddress = parseAddress("piece-listen", pieceListen);
        metricsListenAddress = parseAddress("metrics-listen", metricsListen);
        require(transport != null && java.util.List.of("auto", "rdma", "io_uring", "epoll", "nio")
            .contains(transport.toLowerCase(Locale.ROOT).replace('-', '_')), "transport must be auto, rdma, " +
            "io_uring, epoll or nio: " + transport);
        require(scheduler != null && zone != null && rack != null && advertiseAddress != null && aeronDir != null,
            "scheduler, zone, rack, advertise-address and aeron-dir may be empty but not null");
        if (!scheduler.isEmpty())
        {
            parseAddress("scheduler", scheduler);
        }
        require(uploadSlots >= 1 && uploadSlots <= 65535, "upload-slots must be 1..65535: " + uploadSlots);
        require(schedulerTimeoutMs > 0, "scheduler-timeout-ms must be > 0: " + schedulerTimeoutMs);
        require(swarmStallTimeoutMs > 0, "swarm-stall-timeout-ms must be > 0: " + swarmStallTimeoutMs);
        require(aeronThreading != null && java.util.List.of("shared", "shared_network", "dedicated")
            .contains(aeronThreading.toLowerCase(Locale.ROOT).replace('-', '_')), "aeron-threading must be shared, " +
            "shared-network or dedicated: " + aeronThreading);
        require(aeronLivenessMs >= 100, "aeron-liveness-ms must be >= 100: " + aeronLivenessMs);
        dataDir = dataDir.toAbsolutePath().normalize();
        concluded = true;
        return this;
    }

    /**
     * Parses {@code HOST:PORT} (IPv6 hosts in brackets).
     *
     * @param name  setting name, for the error.
     * @param value the text.
     * @return the unresolved-if-needed address.
     */
    public static InetSocketAddress parseAddress(final String name, final String value)
    {
        final int colon = value == null ? -1 : value.lastIndexOf(':');
        require(colon > 0 && colon < value.length() - 1, name + " must be HOST:PORT: " + value);
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        final int port;
        try
        {
            port = Integer.parseInt(value.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, name + " has a bad port: " + value);
        }
        require(port >= 0 && port <= 65535, name + " port out of range: " + value);
        return new InetSocketAddress(host, port);
    }

    private static void require(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, message);
        }
    }

    /**
     * @return true once {@link #conclude()} succeeded.
     */
    public boolean isConcluded()
    {
        return concluded;
    }

    /**
     * @return the data directory.
     */
    public Path dataDir()
    {
        return dataDir;
    }

    /**
     * @param dataDir data directory.
     * @return this.
     */
    public DataplaneContext dataDir(final Path dataDir)
    {
        this.dataDir = dataDir;
        return this;
    }

    /**
     * @return store quota in bytes, 0 for 80% of the file system.
     */
    public long quotaBytes()
    {
        return quotaBytes;
    }

    /**
     * @param quotaBytes store quota in bytes, 0 for 80% of the file system.
     * @return this.
     */
    public DataplaneContext quotaBytes(final long quotaBytes)
    {
        this.quotaBytes = quotaBytes;
        return this;
    }

    /**
     * @return fraction of the quota that eviction frees down to.
     */
    public double lowWatermark()
    {
        return lowWatermark;
    }

    /**
     * @param lowWatermark fraction of the quota that eviction frees down to.
     * @return this.
     */
    public DataplaneContext lowWatermark(final double lowWatermark)
    {
        this.lowWatermark = lowWatermark;
        return this;
    }

    /**
     * @return fsync policy.
     */
    public FsyncPolicy fsyncPolicy()
    {
        return fsyncPolicy;
    }

    /**
     * @param fsyncPolicy fsync policy.
     * @return this.
     */
    public DataplaneContext fsyncPolicy(final FsyncPolicy fsyncPolicy)
    {
        this.fsyncPolicy = fsyncPolicy;
        return this;
    }

    /**
     * @return placement mode.
     */
    public PlacementMode placementMode()
    {
        return placementMode;
    }

    /**
     * @param placementMode placement mode.
     * @return this.
     */
    public DataplaneContext placementMode(final PlacementMode placementMode)
    {
        this.placementMode = placementMode;
        return this;
    }

    /**
     * @return tasks the index is sized for.
     */
    public long indexMaxTasks()
    {
        return indexMaxTasks;
    }

    /**
     * @param indexMaxTasks tasks the index is sized for.
     * @return this.
     */
    public DataplaneContext indexMaxTasks(final long indexMaxTasks)
    {
        this.indexMaxTasks = indexMaxTasks;
        return this;
    }

    /**
     * @return origin requests in flight per task.
     */
    public int sourceConcurrency()
    {
        return sourceConcurrency;
    }

    /**
     * @param sourceConcurrency origin requests in flight per task.
     * @return this.
     */
    public DataplaneContext sourceConcurrency(final int sourceConcurrency)
    {
        this.sourceConcurrency = sourceConcurrency;
        return this;
    }

    /**
     * @return piece requests in flight to a peer per task.
     */
    public int peerConcurrency()
    {
        return peerConcurrency;
    }

    /**
     * @param peerConcurrency piece requests in flight to a peer per task.
     * @return this.
     */
    public DataplaneContext peerConcurrency(final int peerConcurrency)
    {
        this.peerConcurrency = peerConcurrency;
        return this;
    }

    /**
     * @return attempts per piece.
     */
    public int pieceAttempts()
    {
        return pieceAttempts;
    }

    /**
     * @param pieceAttempts attempts per piece.
     * @return this.
     */
    public DataplaneContext pieceAttempts(final int pieceAttempts)
    {
        this.pieceAttempts = pieceAttempts;
        return this;
    }

    /**
     * @return connect timeout, milliseconds.
     */
    public long connectTimeoutMs()
    {
        return connectTimeoutMs;
    }

    /**
     * @param connectTimeoutMs connect timeout, milliseconds.
     * @return this.
     */
    public DataplaneContext connectTimeoutMs(final long connectTimeoutMs)
    {
        this.connectTimeoutMs = connectTimeoutMs;
        return this;
    }

    /**
     * @return read timeout, milliseconds.
     */
    public long readTimeoutMs()
    {
        return readTimeoutMs;
    }

    /**
     * @param readTimeoutMs read timeout, milliseconds.
     * @return this.
     */
    public DataplaneContext readTimeoutMs(final long readTimeoutMs)
    {
        this.readTimeoutMs = readTimeoutMs;
        return this;
    }

    /**
     * @return redirects followed per request.
     */
    public int maxRedirects()
    {
        return maxRedirects;
    }

    /**
     * @param maxRedirects redirects followed per request.
     * @return this.
     */
    public DataplaneContext maxRedirects(final int maxRedirects)
    {
        this.maxRedirects = maxRedirects;
        return this;
    }

    /**
     * @return where the daemon serves pieces (after {@link #conclude()}).
     */
    public InetSocketAddress pieceListen()
    {
        return pieceListenAddress;
    }

    /**
     * @param hostPort where the daemon serves pieces, HOST:PORT.
     * @return this.
     */
    public DataplaneContext pieceListen(final String hostPort)
    {
        this.pieceListen = hostPort;
        return this;
    }

    /**
     * @return where /healthz and /metrics are served (after {@link #conclude()}).
     */
    public InetSocketAddress metricsListen()
    {
        return metricsListenAddress;
    }

    /**
     * @param hostPort where /healthz and /metrics are served, HOST:PORT.
     * @return this.
     */
    public DataplaneContext metricsListen(final String hostPort)
    {
        this.metricsListen = hostPort;
        return this;
    }

    /**
     * @return how new tasks' pieces are digested.
     */
    public PieceDigestPolicy pieceDigestPolicy()
    {
        return pieceDigest;
    }

    /**
     * @param id a new task.
     * @return how its pieces are digested.
     */
    public PieceDigest pieceDigest(final TaskId id)
    {
        return pieceDigest.forTask(id);
    }

    /**
     * @param pieceDigest how new tasks' pieces are digested.
     * @return this.
     */
    public DataplaneContext pieceDigest(final PieceDigestPolicy pieceDigest)
    {
        this.pieceDigest = pieceDigest;
        return this;
    }


    /**
     * @return the piece transport: auto, rdma, or a TCP engine (io_uring, epoll, nio).
     */
    public String transport()
    {
        return transport;
    }

    /**
     * @param transport the piece transport: auto, rdma, or a TCP engine (io_uring, epoll, nio).
     * @return this.
     */
    public DataplaneContext transport(final String transport)
    {
        this.transport = transport;
        return this;
    }

    /**
     * @return piece length override, 0 for the default layout.
     */
    public int pieceLengthBytes()
    {
        return pieceLengthBytes;
    }

    /**
     * @param pieceLengthBytes piece length override, 0 for the default layout.
     * @return this.
     */
    public DataplaneContext pieceLengthBytes(final int pieceLengthBytes)
    {
        this.pieceLengthBytes = pieceLengthBytes;
        return this;
    }
    /**
     * @return scheduler address HOST:PORT (Aeron UDP). Without it the node fetches from the origin (and --from peers) only.
     */
    public String scheduler()
    {
        return scheduler;
    }

    /**
     * @param scheduler scheduler address HOST:PORT (Aeron UDP). Without it the node fetches from the origin (and --from peers) only.
     * @return this.
     */
    public DataplaneContext scheduler(final String scheduler)
    {
        this.scheduler = scheduler;
        return this;
    }

    /**
     * @return daemon: act as a seed, fetching a task from the origin when the scheduler asks.
     */
    public boolean seed()
    {
        return seed;
    }

    /**
     * @param seed daemon: act as a seed, fetching a task from the origin when the scheduler asks.
     * @return this.
     */
    public DataplaneContext seed(final boolean seed)
    {
        this.seed = seed;
        return this;
    }

    /**
     * @return locality label sent to the scheduler: parents in the same zone rank higher.
     */
    public String zone()
    {
        return zone;
    }

    /**
     * @param zone locality label sent to the scheduler: parents in the same zone rank higher.
     * @return this.
     */
    public DataplaneContext zone(final String zone)
    {
        this.zone = zone;
        return this;
    }

    /**
     * @return locality label sent to the scheduler: parents in the same rack rank higher.
     */
    public String rack()
    {
        return rack;
    }

    /**
     * @param rack locality label sent to the scheduler: parents in the same rack rank higher.
     * @return this.
     */
    public DataplaneContext rack(final String rack)
    {
        this.rack = rack;
        return this;
    }

    /**
     * @return the address other peers reach this node's piece server on, and its scheduler replies.
     */
    public String advertiseAddress()
    {
        return advertiseAddress;
    }

    /**
     * @param advertiseAddress the address other peers reach this node's piece server on, and its scheduler replies.
     * @return this.
     */
    public DataplaneContext advertiseAddress(final String advertiseAddress)
    {
        this.advertiseAddress = advertiseAddress;
        return this;
    }

    /**
     * @return pieces this node uploads at once, as told to the scheduler (parents with free slots rank higher).
     */
    public int uploadSlots()
    {
        return uploadSlots;
    }

    /**
     * @param uploadSlots pieces this node uploads at once, as told to the scheduler (parents with free slots rank higher).
     * @return this.
     */
    public DataplaneContext uploadSlots(final int uploadSlots)
    {
        this.uploadSlots = uploadSlots;
        return this;
    }

    /**
     * @return how long a download waits for the scheduler's first answer before it goes to the origin, milliseconds.
     */
    public long schedulerTimeoutMs()
    {
        return schedulerTimeoutMs;
    }

    /**
     * @param schedulerTimeoutMs how long a download waits for the scheduler's first answer before it goes to the origin, milliseconds.
     * @return this.
     */
    public DataplaneContext schedulerTimeoutMs(final long schedulerTimeoutMs)
    {
        this.schedulerTimeoutMs = schedulerTimeoutMs;
        return this;
    }

    /**
     * @return how long a download waits while no parent has a piece for it and no piece appears in the swarm, before it goes to the origin, milliseconds.
     */
    public long swarmStallTimeoutMs()
    {
        return swarmStallTimeoutMs;
    }

    /**
     * @param swarmStallTimeoutMs how long a download waits while no parent has a piece for it and no piece appears in the swarm, before it goes to the origin, milliseconds.
     * @return this.
     */
    public DataplaneContext swarmStallTimeoutMs(final long swarmStallTimeoutMs)
    {
        this.swarmStallTimeoutMs = swarmStallTimeoutMs;
        return this;
    }

    /**
     * @return the embedded Aeron media driver's directory: one per process, deleted on start and on a clean stop.
     */
    public String aeronDir()
    {
        return aeronDir;
    }

    /**
     * @param aeronDir the embedded Aeron media driver's directory: one per process, deleted on start and on a clean stop.
     * @return this.
     */
    public DataplaneContext aeronDir(final String aeronDir)
    {
        this.aeronDir = aeronDir;
        return this;
    }

    /**
     * @return how long the scheduler connection may stay silent before it counts as lost, milliseconds.
     */
    public long aeronLivenessMs()
    {
        return aeronLivenessMs;
    }

    /**
     * @param aeronLivenessMs how long the scheduler connection may stay silent before it counts as lost, milliseconds.
     * @return this.
     */
    public DataplaneContext aeronLivenessMs(final long aeronLivenessMs)
    {
        this.aeronLivenessMs = aeronLivenessMs;
        return this;
    }

    /**
     * @return the embedded Aeron media driver's threading mode: shared, shared-network or dedicated.
     */
    public String aeronThreading()
    {
        return aeronThreading;
    }

    /**
     * @param aeronThreading the embedded Aeron media driver's threading mode: shared, shared-network or dedicated.
     * @return this.
     */
    public DataplaneContext aeronThreading(final String aeronThreading)
    {
        this.aeronThreading = aeronThreading;
        return this;
    }
}
