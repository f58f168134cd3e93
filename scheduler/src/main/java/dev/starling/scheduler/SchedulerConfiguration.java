package dev.starling.scheduler;

import dev.starling.dataplane.config.DataplaneConfiguration.Setting;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Settings of the scheduler: the property name, the YAML key, the flag, the default, and what each does. Defaults
 * can be overridden with JVM system properties of the given names; this class is the only place in the module that
 * reads them. The scheduler table in {@code docs/configuration.md} is generated from {@link #SETTINGS}.
 */
public final class SchedulerConfiguration
{
    /** Address the scheduler's Aeron UDP subscription binds. */
    public static final String LISTEN_PROP = "starling.scheduler.listen";
    /** Default listen address. */
    public static final String LISTEN_DEFAULT = "0.0.0.0:8002";

    /** The embedded media driver's directory. */
    public static final String AERON_DIR_PROP = "starling.scheduler.aeron.dir";

    /** How long a silent host stays registered. */
    public static final String PEER_TIMEOUT_PROP = "starling.scheduler.peer.timeout";
    /** Default peer timeout: ten heartbeats. */
    public static final long PEER_TIMEOUT_MS_DEFAULT = 10_000;

    /** Peers at most sent to the origin at a time for one task without a seed. */
    public static final String MAX_BACK_TO_SOURCE_PROP = "starling.scheduler.max.back.to.source";
    /** Default back-to-source limit. */
    public static final int MAX_BACK_TO_SOURCE_DEFAULT = 2;

    /** Candidate parents in each {@code Parents}. */
    public static final String CANDIDATE_PARENTS_PROP = "starling.scheduler.candidate.parents";
    /** Default candidate parents. */
    public static final int CANDIDATE_PARENTS_DEFAULT = 8;

    /** Aeron's liveness timeout (images, clients, publication connection). */
    public static final String AERON_LIVENESS_PROP = "starling.scheduler.aeron.liveness";
    /** Default Aeron liveness. */
    public static final long AERON_LIVENESS_MS_DEFAULT = 5_000;

    /** The embedded media driver's threading mode. */
    public static final String AERON_THREADING_PROP = "starling.scheduler.aeron.threading";
    /** Default threading mode: the driver's agents share one thread. */
    public static final String AERON_THREADING_DEFAULT = "shared";

    /** Every setting, in documentation order. */
    public static final List<Setting> SETTINGS = List.of(
        new Setting(LISTEN_PROP, "listen", "--listen", LISTEN_DEFAULT,
            "Scheduler: the address its Aeron UDP subscription binds (HOST:PORT); peers send to it."),
        new Setting(AERON_DIR_PROP, "aeron-dir", "--aeron-dir", "java.io.tmpdir/starling-scheduler-PORT",
            "Scheduler: the embedded media driver's own directory, deleted on start and on a clean stop."),
        new Setting(PEER_TIMEOUT_PROP, "peer-timeout", "--peer-timeout", "10s",
            "Scheduler: a host silent this long (no RegisterHost heartbeat) leaves all its tasks. 500ms, 10s, 1m."),
        new Setting(MAX_BACK_TO_SOURCE_PROP, "max-back-to-source", "--max-back-to-source",
            String.valueOf(MAX_BACK_TO_SOURCE_DEFAULT),
            "Scheduler: peers at most sent to the origin at a time for one task when there is no seed or it failed."),
        new Setting(CANDIDATE_PARENTS_PROP, "candidate-parents", "--candidate-parents",
            String.valueOf(CANDIDATE_PARENTS_DEFAULT), "Scheduler: candidate parents in each Parents reply, best first."),
        new Setting(AERON_LIVENESS_PROP, "aeron-liveness", "--aeron-liveness", "5s",
            "Scheduler: Aeron's liveness timeout for images, clients and publication connections."),
        new Setting(AERON_THREADING_PROP, "aeron-threading", "--aeron-threading", AERON_THREADING_DEFAULT,
            "Scheduler: shared, shared-network or dedicated: the embedded media driver's threads."));

    private SchedulerConfiguration()
    {
    }

    /** @return the listen address from {@value #LISTEN_PROP}. */
    public static String listen()
    {
        return System.getProperty(LISTEN_PROP, LISTEN_DEFAULT);
    }

    /**
     * @param port the listen port.
     * @return the Aeron directory from {@value #AERON_DIR_PROP}, else {@code java.io.tmpdir/starling-scheduler-<port>}.
     */
    public static Path aeronDir(final int port)
    {
        final String value = System.getProperty(AERON_DIR_PROP);
        return value != null ? Path.of(value) :
            Path.of(System.getProperty("java.io.tmpdir"), "starling-scheduler-" + port);
    }

    /** @return the peer timeout from {@value #PEER_TIMEOUT_PROP}. */
    public static long peerTimeoutMs()
    {
        final String value = System.getProperty(PEER_TIMEOUT_PROP);
        return value == null ? PEER_TIMEOUT_MS_DEFAULT : parseDurationMs(PEER_TIMEOUT_PROP, value);
    }

    /** @return the back-to-source limit from {@value #MAX_BACK_TO_SOURCE_PROP}. */
    public static int maxBackToSource()
    {
        return Integer.getInteger(MAX_BACK_TO_SOURCE_PROP, MAX_BACK_TO_SOURCE_DEFAULT);
    }

    /** @return candidate parents from {@value #CANDIDATE_PARENTS_PROP}. */
    public static int candidateParents()
    {
        return Integer.getInteger(CANDIDATE_PARENTS_PROP, CANDIDATE_PARENTS_DEFAULT);
    }

    /** @return the driver's threading mode from {@value #AERON_THREADING_PROP}. */
    public static String aeronThreading()
    {
        return System.getProperty(AERON_THREADING_PROP, AERON_THREADING_DEFAULT);
    }

    /** @return Aeron liveness from {@value #AERON_LIVENESS_PROP}. */
    public static long aeronLivenessMs()
    {
        final String value = System.getProperty(AERON_LIVENESS_PROP);
        return value == null ? AERON_LIVENESS_MS_DEFAULT : parseDurationMs(AERON_LIVENESS_PROP, value);
    }

    /**
     * Parses a duration: a number with {@code ms}, {@code s}, {@code m} or {@code h} (no unit: milliseconds), or an
     * ISO-8601 duration ({@code PT10S}).
     *
     * @param name  the setting, for the error.
     * @param value the text.
     * @return milliseconds.
     * @throws StarlingException with {@link ErrorCode#BAD_CONFIG} when it is not a duration.
     */
    public static long parseDurationMs(final String name, final String value)
    {
        final String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        try
        {
            if (v.startsWith("pt"))
            {
                return java.time.Duration.parse(v.toUpperCase(Locale.ROOT)).toMillis();
            }
            if (v.endsWith("ms"))
            {
                return Long.parseLong(v.substring(0, v.length() - 2).trim());
            }
            if (v.endsWith("s"))
            {
                return Math.round(Double.parseDouble(v.substring(0, v.length() - 1).trim()) * 1_000);
            }
            if (v.endsWith("m"))
            {
                return Math.round(Double.parseDouble(v.substring(0, v.length() - 1).trim()) * 60_000);
            }
            if (v.endsWith("h"))
            {
                return Math.round(Double.parseDouble(v.substring(0, v.length() - 1).trim()) * 3_600_000);
            }
            return Long.parseLong(v);
        }
        catch (final RuntimeException ex)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, name + " must be a duration such as 500ms, 10s or " +
                "1m: '" + value + "'");
        }
    }
}
