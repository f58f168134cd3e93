package dev.starling.rdma;

import dev.starling.dataplane.config.DataplaneConfiguration.Setting;

import java.util.List;

/**
 * Settings of the RDMA provider: JVM system properties (the cli never compiles against this module, so there are
 * no flags or YAML keys: {@code STARLING_JAVA_OPTS="-Dstarling.rdma.device=mlx5_0" ./starling daemon}). This class
 * is the only place in the module that reads them. The table in {@code docs/rdma.md} is generated from
 * {@link #SETTINGS} ({@code RdmaConfigurationTest} fails when it drifts).
 */
public final class RdmaConfiguration
{
    /** Device to use, by rdma-core name. */
    public static final String DEVICE_PROP = "starling.rdma.device";
    /** Default device: the first one rdma_cm lists. */
    public static final String DEVICE_DEFAULT = "";

    /** How the completion agent waits when a poll found nothing. */
    public static final String IDLE_PROP = "starling.rdma.idle";
    /** Default idle strategy. */
    public static final String IDLE_DEFAULT = "backoff";

    /** Pieces a connection reads at once. */
    public static final String READS_IN_FLIGHT_PROP = "starling.rdma.reads.in.flight";
    /** Default reads in flight per connection. */
    public static final int READS_IN_FLIGHT_DEFAULT = 4;

    /** Bytes one RDMA READ moves, and the size of one staging slot. */
    public static final String CHUNK_BYTES_PROP = "starling.rdma.chunk.bytes";
    /** Default chunk: 4 MiB, the smallest piece. */
    public static final int CHUNK_BYTES_DEFAULT = 4 << 20;

    /** The child's registered staging memory, shared by its connections. */
    public static final String STAGING_BYTES_PROP = "starling.rdma.staging.bytes";
    /** Default staging memory: 256 MiB (16 connections at the default reads in flight and chunk). */
    public static final long STAGING_BYTES_DEFAULT = 256L << 20;

    /** Most piece bytes a parent keeps registered for remote reads. */
    public static final String REGISTERED_BYTES_PROP = "starling.rdma.registered.bytes";
    /** Default registration budget: 2 GiB. */
    public static final long REGISTERED_BYTES_DEFAULT = 2L << 30;

    /** Timeout of each rdma_cm step when connecting (address, route). */
    public static final String RESOLVE_TIMEOUT_MS_PROP = "starling.rdma.resolve.timeout.ms";
    /** Default resolve timeout. */
    public static final int RESOLVE_TIMEOUT_MS_DEFAULT = 2000;

    /** Every setting, for the docs. */
    public static final List<Setting> SETTINGS = List.of(
        new Setting(DEVICE_PROP, null, null, "the first device rdma_cm lists",
            "RDMA device by name (mlx5_0, rxe0); see ibv_devices."),
        new Setting(IDLE_PROP, null, null, IDLE_DEFAULT,
            "backoff or busy-spin: how the completion agent waits when a poll of the completion queue found " +
            "nothing (busy-spin takes a core and saves microseconds per chunk)."),
        new Setting(READS_IN_FLIGHT_PROP, null, null, String.valueOf(READS_IN_FLIGHT_DEFAULT),
            "Pieces one connection reads at once, each one chunk at a time (1-64)."),
        new Setting(CHUNK_BYTES_PROP, null, null, String.valueOf(CHUNK_BYTES_DEFAULT),
            "Bytes one RDMA READ moves and the size of a staging slot: a power of two, 64 KiB to 64 MiB."),
        new Setting(STAGING_BYTES_PROP, null, null, String.valueOf(STAGING_BYTES_DEFAULT),
            "Registered anonymous memory a child reads into, shared by its connections; a connection takes " +
            "reads-in-flight slots and goes TCP when none are left."),
        new Setting(REGISTERED_BYTES_PROP, null, null, String.valueOf(REGISTERED_BYTES_DEFAULT),
            "Most piece bytes a parent keeps registered (pinned) for remote reads; past it, idle registrations " +
            "are dropped oldest first, and a piece that still does not fit goes in-band over TCP."),
        new Setting(RESOLVE_TIMEOUT_MS_PROP, null, null, String.valueOf(RESOLVE_TIMEOUT_MS_DEFAULT),
            "Timeout of each rdma_cm step of a connect (address, route), milliseconds."));

    private RdmaConfiguration()
    {
    }

    /**
     * @return the device name from {@value #DEVICE_PROP}, empty for the first.
     */
    public static String device()
    {
        return System.getProperty(DEVICE_PROP, DEVICE_DEFAULT);
    }

    /**
     * @return the idle strategy from {@value #IDLE_PROP}.
     */
    public static String idle()
    {
        return System.getProperty(IDLE_PROP, IDLE_DEFAULT);
    }

    /**
     * @return reads in flight from {@value #READS_IN_FLIGHT_PROP}.
     */
    public static int readsInFlight()
    {
        return Integer.getInteger(READS_IN_FLIGHT_PROP, READS_IN_FLIGHT_DEFAULT);
    }

    /**
     * @return chunk bytes from {@value #CHUNK_BYTES_PROP}.
     */
    public static int chunkBytes()
    {
        return Integer.getInteger(CHUNK_BYTES_PROP, CHUNK_BYTES_DEFAULT);
    }

    /**
     * @return staging bytes from {@value #STAGING_BYTES_PROP}.
     */
    public static long stagingBytes()
    {
        return Long.getLong(STAGING_BYTES_PROP, STAGING_BYTES_DEFAULT);
    }

    /**
     * @return the registration budget from {@value #REGISTERED_BYTES_PROP}.
     */
    public static long registeredBytes()
    {
        return Long.getLong(REGISTERED_BYTES_PROP, REGISTERED_BYTES_DEFAULT);
    }

    /**
     * @return the resolve timeout from {@value #RESOLVE_TIMEOUT_MS_PROP}.
     */
    public static int resolveTimeoutMs()
    {
        return Integer.getInteger(RESOLVE_TIMEOUT_MS_PROP, RESOLVE_TIMEOUT_MS_DEFAULT);
    }

    /**
     * @return the markdown table of every setting, as {@code docs/rdma.md} carries it.
     */
    public static String settingsTable()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("| JVM property | default | meaning |\n");
        sb.append("|---|---|---|\n");
        for (final Setting s : SETTINGS)
        {
            sb.append("| `").append(s.property()).append("` | ").append(s.defaultValue()).append(" | ")
                .append(s.description()).append(" |\n");
        }
        return sb.toString();
    }
}
