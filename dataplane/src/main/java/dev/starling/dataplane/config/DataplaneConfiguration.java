package dev.starling.dataplane.config;

import dev.starling.dataplane.store.FsyncPolicy;
import dev.starling.dataplane.store.PlacementMode;
import dev.starling.dataplane.task.PieceDigestPolicy;

import java.nio.file.Path;
import java.util.List;

/**
 * Settings of the dataplane: the property name, the YAML key, the default, and what it does. Defaults can be
 * overridden with JVM system properties of the given names; this class is the only place in the module that reads
 * them. The table in {@code docs/configuration.md} is generated from {@link #SETTINGS}.
 */
public final class DataplaneConfiguration
{
    /** One setting, for documentation and the config file. */
    public record Setting(String property, String yamlKey, String flag, String defaultValue, String description)
    {
    }

    /** Data directory: store content, index, lock. */
    public static final String DATA_DIR_PROP = "starling.data.dir";
    /** Default data dir: {@code ~/.starling/data}. */
    public static final String DATA_DIR_DEFAULT = "~/.starling/data";

    /** Store quota in bytes; 0 means 80% of the data dir's file system. */
    public static final String QUOTA_PROP = "starling.store.quota.bytes";
    /** Default quota: 0 (80% of the file system). */
    public static final long QUOTA_DEFAULT = 0;

    /** Fraction of the quota eviction frees down to. */
    public static final String LOW_WATERMARK_PROP = "starling.store.low.watermark";
    /** Default low watermark: 0.9 of the quota. */
    public static final double LOW_WATERMARK_DEFAULT = 0.9;

    /** fsync policy. */
    public static final String FSYNC_PROP = "starling.store.fsync";
    /** Default fsync policy. */
    public static final FsyncPolicy FSYNC_DEFAULT = FsyncPolicy.NONE;

    /** How results reach the target path. */
    public static final String PLACEMENT_PROP = "starling.store.placement";
    /** Default placement mode. */
    public static final PlacementMode PLACEMENT_DEFAULT = PlacementMode.LINK;

    /** Tasks the index is sized for. */
    public static final String INDEX_MAX_TASKS_PROP = "starling.index.max.tasks";
    /** Default index capacity. */
    public static final long INDEX_MAX_TASKS_DEFAULT = 16_384;

    /** Concurrent piece requests to the origin for one task. */
    public static final String SOURCE_CONCURRENCY_PROP = "starling.source.concurrency";
    /** Default origin concurrency. */
    public static final int SOURCE_CONCURRENCY_DEFAULT = 4;

    /** Piece requests in flight to a peer for one task. */
    public static final String PEER_CONCURRENCY_PROP = "starling.peer.concurrency";
    /** Default peer concurrency: enough pieces in flight to keep a connection busy. */
    public static final int PEER_CONCURRENCY_DEFAULT = 16;

    /** Attempts per piece before the download fails. */
    public static final String PIECE_ATTEMPTS_PROP = "starling.piece.attempts";
    /** Default attempts per piece. */
    public static final int PIECE_ATTEMPTS_DEFAULT = 4;

    /** Connect timeout to the origin. */
    public static final String CONNECT_TIMEOUT_MS_PROP = "starling.source.connect.timeout.ms";
    /** Default connect timeout. */
    public static final long CONNECT_TIMEOUT_MS_DEFAULT = 10_000;

    /** Longest silence on an origin connection before the request fails. */
    public static final String READ_TIMEOUT_MS_PROP = "starling.source.read.timeout.ms";
    /** Default read timeout. */
    public static final long READ_TIMEOUT_MS_DEFAULT = 30_000;

    /** Redirects followed per request. */
    public static final String MAX_REDIRECTS_PROP = "starling.source.max.redirects";
    /** Default redirect limit. */
    public static final int MAX_REDIRECTS_DEFAULT = 10;

    /** Piece length override in bytes; 0 means about 500 pieces per task. */
    public static final String PIECE_LENGTH_PROP = "starling.piece.length.bytes";
    /** Default piece length override: none. */
    public static final int PIECE_LENGTH_DEFAULT = 0;

    /** Address the daemon serves pieces on. */
    public static final String PIECE_LISTEN_PROP = "starling.piece.listen";
    /** Default piece server address. */
    public static final String PIECE_LISTEN_DEFAULT = "0.0.0.0:65000";

    /** Address of the daemon's /healthz and /metrics. */
    public static final String METRICS_LISTEN_PROP = "starling.metrics.listen";
    /** Default metrics address. */
    public static final String METRICS_LISTEN_DEFAULT = "127.0.0.1:65003";

    /** Piece transport engine. */
    public static final String TRANSPORT_PROP = "starling.transport";
    /** Default transport: the best available. */
    public static final String TRANSPORT_DEFAULT = "auto";

    /** Piece digest algorithm of new tasks. */
    public static final String PIECE_DIGEST_PROP = "starling.piece.digest";
    /** Default piece digest policy: CRC32C pieces for content-addressed tasks, SHA-256 for the rest. */
    public static final PieceDigestPolicy PIECE_DIGEST_DEFAULT = PieceDigestPolicy.AUTO;

    /** Scheduler address HOST:PORT (Aeron UDP). Without it the node fetches from the origin (and --from peers) only. */
    public static final String SCHEDULER_PROP = "starling.scheduler";
    /** Default of {@link #SCHEDULER_PROP}. */
    public static final String SCHEDULER_DEFAULT = "";

    /** Daemon: act as a seed, fetching a task from the origin when the scheduler asks. */
    public static final String SEED_PROP = "starling.seed";
    /** Default of {@link #SEED_PROP}. */
    public static final boolean SEED_DEFAULT = false;

    /** Locality label sent to the scheduler: parents in the same zone rank higher. */
    public static final String ZONE_PROP = "starling.zone";
    /** Default of {@link #ZONE_PROP}. */
    public static final String ZONE_DEFAULT = "";

    /** Locality label sent to the scheduler: parents in the same rack rank higher. */
    public static final String RACK_PROP = "starling.rack";
    /** Default of {@link #RACK_PROP}. */
    public static final String RACK_DEFAULT = "";

    /** The address other peers reach this node's piece server on, and its scheduler replies. */
    public static final String ADVERTISE_ADDRESS_PROP = "starling.advertise.address";
    /** Default of {@link #ADVERTISE_ADDRESS_PROP}. */
    public static final String ADVERTISE_ADDRESS_DEFAULT = "";

    /** Pieces this node uploads at once, as told to the scheduler (parents with free slots rank higher). */
    public static final String UPLOAD_SLOTS_PROP = "starling.upload.slots";
    /** Default of {@link #UPLOAD_SLOTS_PROP}. */
    public static final int UPLOAD_SLOTS_DEFAULT = 16;

    /** How long a download waits for the scheduler's first answer before it goes to the origin, milliseconds. */
    public static final String SCHEDULER_TIMEOUT_MS_PROP = "starling.scheduler.timeout.ms";
    /** Default of {@link #SCHEDULER_TIMEOUT_MS_PROP}. */
    public static final long SCHEDULER_TIMEOUT_MS_DEFAULT = 10_000;

    /** How long a download waits while no parent has a piece for it and no piece appears in the swarm, before it goes to the origin, milliseconds. */
    public static final String SWARM_STALL_TIMEOUT_MS_PROP = "starling.swarm.stall.timeout.ms";
    /** Default of {@link #SWARM_STALL_TIMEOUT_MS_PROP}. */
    public static final long SWARM_STALL_TIMEOUT_MS_DEFAULT = 20_000;

    /** The embedded Aeron media driver's directory: one per process, deleted on start and on a clean stop. */
    public static final String AERON_DIR_PROP = "starling.aeron.dir";
    /** Default of {@link #AERON_DIR_PROP}. */
    public static final String AERON_DIR_DEFAULT = "";

    /** How long the scheduler connection may stay silent before it counts as lost, milliseconds. */
    public static final String AERON_LIVENESS_MS_PROP = "starling.aeron.liveness.ms";
    /** Default of {@link #AERON_LIVENESS_MS_PROP}. */
    public static final long AERON_LIVENESS_MS_DEFAULT = 5_000;

    /** The embedded Aeron media driver's threading mode. */
    public static final String AERON_THREADING_PROP = "starling.aeron.threading";
    /** Default of {@link #AERON_THREADING_PROP}: one thread for the driver's agents. */
    public static final String AERON_THREADING_DEFAULT = "shared";

    /** Every setting, in documentation order. */
    public static final List<Setting> SETTINGS = List.of(
        new Setting(DATA_DIR_PROP, "data-dir", "--data-dir", DATA_DIR_DEFAULT,
            "Data directory: content files, the task index and the lock. One process owns it at a time."),
        new Setting(QUOTA_PROP, "quota", "--quota", "0 (80% of the file system)",
            "Most bytes the store keeps; least-recently-used finished tasks are evicted beyond it. Accepts 512m, 10g."),
        new Setting(LOW_WATERMARK_PROP, "low-watermark", "--low-watermark", String.valueOf(LOW_WATERMARK_DEFAULT),
            "Eviction frees space down to this fraction of the quota."),
        new Setting(FSYNC_PROP, "fsync", "--fsync", FSYNC_DEFAULT.name().toLowerCase(),
            "none, piece or task: when content is forced to disk (every policy survives a killed process)."),
        new Setting(PLACEMENT_PROP, "placement", "--placement", PLACEMENT_DEFAULT.name().toLowerCase(),
            "link (hard link when on one file system, else copy) or copy: how the result reaches -o."),
        new Setting(INDEX_MAX_TASKS_PROP, "index-max-tasks", "--index-max-tasks",
            String.valueOf(INDEX_MAX_TASKS_DEFAULT), "Tasks the persisted index is sized for (fixed when created; at least 1024; about 2.5 KiB of disk each)."),
        new Setting(SOURCE_CONCURRENCY_PROP, "concurrency", "--concurrency", String.valueOf(SOURCE_CONCURRENCY_DEFAULT),
            "Piece requests in flight to the origin for one task."),
        new Setting(PEER_CONCURRENCY_PROP, "peer-concurrency", "--peer-concurrency",
            String.valueOf(PEER_CONCURRENCY_DEFAULT), "Piece requests in flight to a peer for one task (spread over " +
            "one connection per core); pieces the peer cannot give then go to the origin at this rate too."),
        new Setting(PIECE_ATTEMPTS_PROP, "piece-attempts", "--piece-attempts", String.valueOf(PIECE_ATTEMPTS_DEFAULT),
            "Attempts per piece on transient errors (reset, 5xx) before the download fails."),
        new Setting(CONNECT_TIMEOUT_MS_PROP, "connect-timeout-ms", "--connect-timeout-ms",
            String.valueOf(CONNECT_TIMEOUT_MS_DEFAULT), "Connect timeout to the origin, milliseconds."),
        new Setting(READ_TIMEOUT_MS_PROP, "read-timeout-ms", "--read-timeout-ms",
            String.valueOf(READ_TIMEOUT_MS_DEFAULT), "Longest silence on an origin connection, milliseconds."),
        new Setting(MAX_REDIRECTS_PROP, "max-redirects", "--max-redirects", String.valueOf(MAX_REDIRECTS_DEFAULT),
            "Redirects followed per origin request."),
        new Setting(PIECE_LENGTH_PROP, "piece-length", "--piece-length", "0 (about 500 pieces, 4-64 MiB)",
            "Piece length override: a power of two from 64k to 1g."),
        new Setting(PIECE_DIGEST_PROP, "piece-digest", "--piece-digest", "auto",
            "auto, sha256 or crc32c: how new tasks' pieces are digested (every node of a cluster must agree). auto: " +
            "crc32c for content-addressed tasks, whose whole content is checked against its sha256 anyway, sha256 " +
            "for tasks named by URL. crc32c is several times cheaper but does not stop a malicious peer at the piece."),
        new Setting(PIECE_LISTEN_PROP, "piece-listen", "--piece-listen", PIECE_LISTEN_DEFAULT,
            "Daemon: where peers fetch pieces (HOST:PORT; port 0 for any)."),
        new Setting(METRICS_LISTEN_PROP, "metrics-listen", "--metrics-listen", METRICS_LISTEN_DEFAULT,
            "Daemon: where /healthz and /metrics (Prometheus) are served."),
        new Setting(TRANSPORT_PROP, "transport", "--transport", TRANSPORT_DEFAULT,
            "auto, rdma, io_uring, epoll or nio: the piece transport. auto takes RDMA where the rdma module is on the " +
            "class path and a device answers, else TCP on io_uring, epoll or NIO (each fallback logged once and " +
            "counted); rdma or a TCP engine forces it."),
        new Setting(SCHEDULER_PROP, "scheduler", "--scheduler", "none",
            "Scheduler address HOST:PORT (Aeron UDP). Without it the node fetches from the origin (and --from peers) only."),
        new Setting(SEED_PROP, "seed", "--seed", "false",
            "Daemon: act as a seed, fetching a task from the origin when the scheduler asks."),
        new Setting(ZONE_PROP, "zone", "--zone", "none",
            "Locality label sent to the scheduler: parents in the same zone rank higher."),
        new Setting(RACK_PROP, "rack", "--rack", "none",
            "Locality label sent to the scheduler: parents in the same rack rank higher."),
        new Setting(ADVERTISE_ADDRESS_PROP, "advertise-address", "--advertise-address", "the piece-listen host, else this host's first non-loopback address",
            "The address other peers reach this node's piece server on, and its scheduler replies."),
        new Setting(UPLOAD_SLOTS_PROP, "upload-slots", "--upload-slots", "16",
            "Pieces this node uploads at once, as told to the scheduler (parents with free slots rank higher)."),
        new Setting(SCHEDULER_TIMEOUT_MS_PROP, "scheduler-timeout-ms", "--scheduler-timeout-ms", "10000",
            "How long a download waits for the scheduler's first answer before it goes to the origin, milliseconds."),
        new Setting(SWARM_STALL_TIMEOUT_MS_PROP, "swarm-stall-timeout-ms", "--swarm-stall-timeout-ms", "20000",
            "How long a download waits while no parent has a piece for it and no piece appears in the swarm, before it goes to the origin, milliseconds."),
        new Setting(AERON_DIR_PROP, "aeron-dir", "--aeron-dir", "/dev/shm/starling-aeron-<hash of data-dir> (else <data-dir>/aeron)",
            "The embedded Aeron media driver's directory: one per process, deleted on start and on a clean stop."),
        new Setting(AERON_LIVENESS_MS_PROP, "aeron-liveness-ms", "--aeron-liveness-ms", "5000",
            "How long the scheduler connection may stay silent before it counts as lost, milliseconds."),
        new Setting(AERON_THREADING_PROP, "aeron-threading", "--aeron-threading", AERON_THREADING_DEFAULT,
            "shared, shared-network or dedicated: the threads of the embedded Aeron media driver (control messages " +
            "only: one shared thread is plenty)."));

    private DataplaneConfiguration()
    {
    }

    /**
     * @return the data dir from {@value #DATA_DIR_PROP}, else {@value #DATA_DIR_DEFAULT} with ~ expanded.
     */
    public static Path dataDir()
    {
        final String value = System.getProperty(DATA_DIR_PROP, DATA_DIR_DEFAULT);
        return value.startsWith("~/") ? Path.of(System.getProperty("user.home"), value.substring(2)) : Path.of(value);
    }

    /**
     * @return quota from {@value #QUOTA_PROP}.
     */
    public static long quotaBytes()
    {
        return Long.getLong(QUOTA_PROP, QUOTA_DEFAULT);
    }

    /**
     * @return low watermark from {@value #LOW_WATERMARK_PROP}.
     */
    public static double lowWatermark()
    {
        return Double.parseDouble(System.getProperty(LOW_WATERMARK_PROP, String.valueOf(LOW_WATERMARK_DEFAULT)));
    }

    /**
     * @return fsync policy from {@value #FSYNC_PROP}.
     */
    public static FsyncPolicy fsyncPolicy()
    {
        return FsyncPolicy.valueOf(System.getProperty(FSYNC_PROP, FSYNC_DEFAULT.name()).toUpperCase());
    }

    /**
     * @return placement mode from {@value #PLACEMENT_PROP}.
     */
    public static PlacementMode placementMode()
    {
        return PlacementMode.valueOf(System.getProperty(PLACEMENT_PROP, PLACEMENT_DEFAULT.name()).toUpperCase());
    }

    /**
     * @return index capacity from {@value #INDEX_MAX_TASKS_PROP}.
     */
    public static long indexMaxTasks()
    {
        return Long.getLong(INDEX_MAX_TASKS_PROP, INDEX_MAX_TASKS_DEFAULT);
    }

    /**
     * @return origin concurrency from {@value #SOURCE_CONCURRENCY_PROP}.
     */
    public static int sourceConcurrency()
    {
        return Integer.getInteger(SOURCE_CONCURRENCY_PROP, SOURCE_CONCURRENCY_DEFAULT);
    }

    /**
     * @return peer concurrency from {@value #PEER_CONCURRENCY_PROP}.
     */
    public static int peerConcurrency()
    {
        return Integer.getInteger(PEER_CONCURRENCY_PROP, PEER_CONCURRENCY_DEFAULT);
    }

    /**
     * @return attempts per piece from {@value #PIECE_ATTEMPTS_PROP}.
     */
    public static int pieceAttempts()
    {
        return Integer.getInteger(PIECE_ATTEMPTS_PROP, PIECE_ATTEMPTS_DEFAULT);
    }

    /**
     * @return connect timeout from {@value #CONNECT_TIMEOUT_MS_PROP}.
     */
    public static long connectTimeoutMs()
    {
        return Long.getLong(CONNECT_TIMEOUT_MS_PROP, CONNECT_TIMEOUT_MS_DEFAULT);
    }

    /**
     * @return read timeout from {@value #READ_TIMEOUT_MS_PROP}.
     */
    public static long readTimeoutMs()
    {
        return Long.getLong(READ_TIMEOUT_MS_PROP, READ_TIMEOUT_MS_DEFAULT);
    }

    /**
     * @return redirect limit from {@value #MAX_REDIRECTS_PROP}.
     */
    public static int maxRedirects()
    {
        return Integer.getInteger(MAX_REDIRECTS_PROP, MAX_REDIRECTS_DEFAULT);
    }

    /**
     * @return piece digest algorithm from {@value #PIECE_DIGEST_PROP}.
     */
    public static PieceDigestPolicy pieceDigest()
    {
        return PieceDigestPolicy.parse(System.getProperty(PIECE_DIGEST_PROP, PIECE_DIGEST_DEFAULT.name()));
    }

    /**
     * @return piece server address from {@value #PIECE_LISTEN_PROP}.
     */
    public static String pieceListen()
    {
        return System.getProperty(PIECE_LISTEN_PROP, PIECE_LISTEN_DEFAULT);
    }

    /**
     * @return metrics address from {@value #METRICS_LISTEN_PROP}.
     */
    public static String metricsListen()
    {
        return System.getProperty(METRICS_LISTEN_PROP, METRICS_LISTEN_DEFAULT);
    }

    /**
     * @return transport engine from {@value #TRANSPORT_PROP}.
     */
    public static String transport()
    {
        return System.getProperty(TRANSPORT_PROP, TRANSPORT_DEFAULT);
    }

    /**
     * @return piece length override from {@value #PIECE_LENGTH_PROP}.
     */
    public static int pieceLengthBytes()
    {
        return Integer.getInteger(PIECE_LENGTH_PROP, PIECE_LENGTH_DEFAULT);
    }
    /**
     * @return the value of {@value #SCHEDULER_PROP}.
     */
    public static String scheduler()
    {
        return System.getProperty(SCHEDULER_PROP, SCHEDULER_DEFAULT);
    }

    /**
     * @return the value of {@value #SEED_PROP}.
     */
    public static boolean seed()
    {
        return Boolean.parseBoolean(System.getProperty(SEED_PROP, String.valueOf(SEED_DEFAULT)));
    }

    /**
     * @return the value of {@value #ZONE_PROP}.
     */
    public static String zone()
    {
        return System.getProperty(ZONE_PROP, ZONE_DEFAULT);
    }

    /**
     * @return the value of {@value #RACK_PROP}.
     */
    public static String rack()
    {
        return System.getProperty(RACK_PROP, RACK_DEFAULT);
    }

    /**
     * @return the value of {@value #ADVERTISE_ADDRESS_PROP}.
     */
    public static String advertiseAddress()
    {
        return System.getProperty(ADVERTISE_ADDRESS_PROP, ADVERTISE_ADDRESS_DEFAULT);
    }

    /**
     * @return the value of {@value #UPLOAD_SLOTS_PROP}.
     */
    public static int uploadSlots()
    {
        return Integer.getInteger(UPLOAD_SLOTS_PROP, UPLOAD_SLOTS_DEFAULT);
    }

    /**
     * @return the value of {@value #SCHEDULER_TIMEOUT_MS_PROP}.
     */
    public static long schedulerTimeoutMs()
    {
        return Long.getLong(SCHEDULER_TIMEOUT_MS_PROP, SCHEDULER_TIMEOUT_MS_DEFAULT);
    }

    /**
     * @return the value of {@value #SWARM_STALL_TIMEOUT_MS_PROP}.
     */
    public static long swarmStallTimeoutMs()
    {
        return Long.getLong(SWARM_STALL_TIMEOUT_MS_PROP, SWARM_STALL_TIMEOUT_MS_DEFAULT);
    }

    /**
     * @return the value of {@value #AERON_DIR_PROP}.
     */
    public static String aeronDir()
    {
        return System.getProperty(AERON_DIR_PROP, AERON_DIR_DEFAULT);
    }

    /**
     * @return the value of {@value #AERON_LIVENESS_MS_PROP}.
     */
    public static long aeronLivenessMs()
    {
        return Long.getLong(AERON_LIVENESS_MS_PROP, AERON_LIVENESS_MS_DEFAULT);
    }

    /**
     * @return the value of {@value #AERON_THREADING_PROP}.
     */
    public static String aeronThreading()
    {
        return System.getProperty(AERON_THREADING_PROP, AERON_THREADING_DEFAULT);
    }
}
