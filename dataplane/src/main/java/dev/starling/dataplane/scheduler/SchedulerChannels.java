package dev.starling.dataplane.scheduler;

import java.net.InetSocketAddress;

/**
 * Aeron channels and stream ids of the scheduler protocol.
 * <p>
 * Peers publish to the scheduler's one subscription ({@link #SCHEDULER_STREAM_ID}); each peer subscribes to its
 * own reply channel and announces it in {@code RegisterHost}. Between hosts both are UDP unicast bound to the
 * node's own address; in one process they are IPC.
 */
public final class SchedulerChannels
{
    /** Stream the scheduler subscribes to. */
    public static final int SCHEDULER_STREAM_ID = 0x5354_0001;
    /** Stream a peer's replies arrive on (UDP: one channel per peer; IPC: one stream per peer from this base). */
    public static final int REPLY_STREAM_ID = 0x5354_0002;
    /** The IPC channel (in one process). */
    public static final String IPC = "aeron:ipc?term-length=" + EmbeddedAeron.TERM_LENGTH_BYTES;

    private SchedulerChannels()
    {
    }

    /**
     * @param endpoint host and port (port 0: any free port, for a subscription).
     * @return a UDP unicast channel to or on that endpoint.
     */
    public static String udp(final InetSocketAddress endpoint)
    {
        return udp(endpoint.getHostString(), endpoint.getPort());
    }

    /**
     * @param host host name or address.
     * @param port port (0: any free port, for a subscription).
     * @return a UDP unicast channel.
     */
    public static String udp(final String host, final int port)
    {
        final String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return "aeron:udp?endpoint=" + h + ":" + port + "|term-length=" + EmbeddedAeron.TERM_LENGTH_BYTES;
    }

    /**
     * @param channel a channel string.
     * @return true for an IPC channel.
     */
    public static boolean isIpc(final String channel)
    {
        return channel.startsWith("aeron:ipc");
    }
}
