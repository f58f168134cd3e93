package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneConfiguration;
import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.store.FsyncPolicy;
import dev.starling.dataplane.store.PlacementMode;
import dev.starling.dataplane.task.PieceDigestPolicy;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The dataplane flags shared by every command that holds a store, and the YAML config file that can set each of
 * them. A flag wins over the file, the file over the built-in default ({@link DataplaneConfiguration}).
 */
final class DataplaneOptions
{
    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file; every flag can be set there.")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (default " +
        DataplaneConfiguration.DATA_DIR_DEFAULT + ").")
    String dataDir;

    @Option(names = "--quota", paramLabel = "SIZE", description = "Store quota, e.g. 20g (default: 80%% of the file system).")
    String quota;

    @Option(names = "--low-watermark", paramLabel = "FRACTION", description = "Eviction frees down to this fraction of the quota (default 0.9).")
    String lowWatermark;

    @Option(names = "--fsync", paramLabel = "POLICY", description = "none | piece | task (default none).")
    String fsync;

    @Option(names = "--placement", paramLabel = "MODE", description = "link | copy: how the result reaches -o (default link).")
    String placement;

    @Option(names = "--index-max-tasks", paramLabel = "N", description = "Tasks the index is sized for (default 16384, at least 1024; about 2.5 KiB of disk each).")
    String indexMaxTasks;

    @Option(names = "--concurrency", paramLabel = "N", description = "Origin requests in flight per task (default 4).")
    String concurrency;

    @Option(names = "--peer-concurrency", paramLabel = "N", description = "Piece requests in flight to a peer (default 16).")
    String peerConcurrency;

    @Option(names = "--piece-attempts", paramLabel = "N", description = "Attempts per piece on transient errors (default 4).")
    String pieceAttempts;

    @Option(names = "--piece-length", paramLabel = "SIZE", description = "Piece length override, a power of two (default: about 500 pieces, 4-64 MiB).")
    String pieceLength;

    @Option(names = "--connect-timeout-ms", paramLabel = "MS", description = "Origin connect timeout (default 10000).")
    String connectTimeoutMs;

    @Option(names = "--read-timeout-ms", paramLabel = "MS", description = "Longest origin silence (default 30000).")
    String readTimeoutMs;

    @Option(names = "--max-redirects", paramLabel = "N", description = "Redirects followed (default 10).")
    String maxRedirects;

    @Option(names = "--piece-digest", paramLabel = "ALGORITHM", description = "auto | sha256 | crc32c: how new " +
        "tasks' pieces are digested; every node of a cluster must agree (default auto: crc32c for content-addressed " +
        "tasks, checked end to end with sha256 anyway; sha256 for tasks named by URL).")
    String pieceDigest;

    @Option(names = "--transport", paramLabel = "ENGINE", description = "auto | rdma | io_uring | epoll | nio: the " +
        "piece transport (default auto: RDMA where available, else TCP on the best engine).")
    String transport;

    @Option(names = "--scheduler", paramLabel = "HOST:PORT", description = "Scheduler address: downloads are steered " +
        "through the swarm (default: none, origin only).")
    String scheduler;

    @Option(names = "--advertise-address", paramLabel = "ADDRESS", description = "Address peers and the scheduler " +
        "reach this node on (default: the piece-listen host, else the first non-loopback address).")
    String advertiseAddress;

    @Option(names = "--scheduler-timeout-ms", paramLabel = "MS", description = "Wait for the scheduler's first answer " +
        "before going to the origin (default 10000).")
    String schedulerTimeoutMs;

    @Option(names = "--swarm-stall-timeout-ms", paramLabel = "MS", description = "Wait while no parent has a piece " +
        "before going to the origin (default 20000).")
    String swarmStallTimeoutMs;

    @Option(names = "--aeron-dir", paramLabel = "DIR", description = "This process's Aeron media driver directory " +
        "(default /dev/shm/starling-aeron-<hash of data-dir>).")
    String aeronDir;

    @Option(names = "--aeron-liveness-ms", paramLabel = "MS", description = "Silence after which the scheduler " +
        "connection counts as lost (default 5000).")
    String aeronLivenessMs;

    @Option(names = "--aeron-threading", paramLabel = "MODE", description = "shared | shared-network | dedicated: " +
        "the embedded Aeron media driver's threads (default shared).")
    String aeronThreading;

    /** Daemon-only flags; null for commands that do not serve. */
    String seed;
    String zone;
    String rack;
    String uploadSlots;
    String pieceListen;
    String metricsListen;

    /**
     * @param extraKeys YAML keys the command adds of its own.
     * @return the config file, or an empty one when {@code --config} is not given.
     */
    ConfigFile loadConfig(final List<String> extraKeys)
    {
        if (config == null)
        {
            return ConfigFile.empty();
        }
        final List<String> keys = new ArrayList<>();
        for (final DataplaneConfiguration.Setting s : DataplaneConfiguration.SETTINGS)
        {
            keys.add(s.yamlKey());
        }
        keys.addAll(extraKeys);
        return ConfigFile.load(config, keys);
    }

    /**
     * @param file the config file.
     * @return the concluded context.
     */
    DataplaneContext toContext(final ConfigFile file)
    {
        final DataplaneContext ctx = new DataplaneContext();
        final String dir = first(dataDir, file.string("data-dir"), null);
        if (dir != null)
        {
            ctx.dataDir(expandHome(dir));
        }
        apply(quota, file.string("quota"), "quota", Sizes::parse, ctx::quotaBytes);
        apply(lowWatermark, file.string("low-watermark"), "low-watermark", Double::parseDouble, ctx::lowWatermark);
        apply(fsync, file.string("fsync"), "fsync", v -> FsyncPolicy.valueOf(v.toUpperCase(Locale.ROOT)), ctx::fsyncPolicy);
        apply(placement, file.string("placement"), "placement", v -> PlacementMode.valueOf(v.toUpperCase(Locale.ROOT)),
            ctx::placementMode);
        apply(indexMaxTasks, file.string("index-max-tasks"), "index-max-tasks", Long::parseLong, ctx::indexMaxTasks);
        apply(concurrency, file.string("concurrency"), "concurrency", Integer::parseInt, ctx::sourceConcurrency);
        apply(peerConcurrency, file.string("peer-concurrency"), "peer-concurrency", Integer::parseInt,
            ctx::peerConcurrency);
        apply(pieceAttempts, file.string("piece-attempts"), "piece-attempts", Integer::parseInt, ctx::pieceAttempts);
        apply(pieceLength, file.string("piece-length"), "piece-length", v -> Math.toIntExact(Sizes.parse(v)),
            ctx::pieceLengthBytes);
        apply(connectTimeoutMs, file.string("connect-timeout-ms"), "connect-timeout-ms", Long::parseLong,
            ctx::connectTimeoutMs);
        apply(readTimeoutMs, file.string("read-timeout-ms"), "read-timeout-ms", Long::parseLong, ctx::readTimeoutMs);
        apply(maxRedirects, file.string("max-redirects"), "max-redirects", Integer::parseInt, ctx::maxRedirects);
        apply(transport, file.string("transport"), "transport", v -> v, ctx::transport);
        apply(pieceDigest, file.string("piece-digest"), "piece-digest",
            PieceDigestPolicy::parse, ctx::pieceDigest);
        apply(scheduler, file.string("scheduler"), "scheduler", v -> v, ctx::scheduler);
        apply(advertiseAddress, file.string("advertise-address"), "advertise-address", v -> v, ctx::advertiseAddress);
        apply(schedulerTimeoutMs, file.string("scheduler-timeout-ms"), "scheduler-timeout-ms", Long::parseLong,
            ctx::schedulerTimeoutMs);
        apply(swarmStallTimeoutMs, file.string("swarm-stall-timeout-ms"), "swarm-stall-timeout-ms", Long::parseLong,
            ctx::swarmStallTimeoutMs);
        apply(aeronDir, file.string("aeron-dir"), "aeron-dir", v -> v, ctx::aeronDir);
        apply(aeronLivenessMs, file.string("aeron-liveness-ms"), "aeron-liveness-ms", Long::parseLong,
            ctx::aeronLivenessMs);
        apply(aeronThreading, file.string("aeron-threading"), "aeron-threading", v -> v, ctx::aeronThreading);
        apply(seed, file.string("seed"), "seed", DataplaneOptions::parseBoolean, ctx::seed);
        apply(zone, file.string("zone"), "zone", v -> v, ctx::zone);
        apply(rack, file.string("rack"), "rack", v -> v, ctx::rack);
        apply(uploadSlots, file.string("upload-slots"), "upload-slots", Integer::parseInt, ctx::uploadSlots);
        apply(pieceListen, file.string("piece-listen"), "piece-listen", v -> v, ctx::pieceListen);
        apply(metricsListen, file.string("metrics-listen"), "metrics-listen", v -> v, ctx::metricsListen);
        return ctx.conclude();
    }

    /**
     * Sets one value: the flag wins over the file; nothing when neither is given.
     *
     * @throws StarlingException {@link ErrorCode#BAD_CONFIG} naming the setting when the value does not parse.
     */
    static <T> void apply(
        final String flag,
        final String fromFile,
        final String name,
        final Function<String, T> parse,
        final java.util.function.Consumer<T> set)
    {
        final String value = first(flag, fromFile, null);
        if (value == null)
        {
            return;
        }
        try
        {
            set.accept(parse.apply(value.trim()));
        }
        catch (final StarlingException ex)
        {
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "bad value for " + name + ": '" + value + "' (" +
                ex.getMessage() + ")");
        }
    }

    static boolean parseBoolean(final String v)
    {
        if (!"true".equalsIgnoreCase(v) && !"false".equalsIgnoreCase(v))
        {
            throw new IllegalArgumentException("expected true or false");
        }
        return Boolean.parseBoolean(v);
    }

    private static String first(final String a, final String b, final String c)
    {
        return a != null ? a : b != null ? b : c;
    }

    static Path expandHome(final String dir)
    {
        return dir.startsWith("~/") ? Path.of(System.getProperty("user.home"), dir.substring(2)) : Path.of(dir);
    }
}
