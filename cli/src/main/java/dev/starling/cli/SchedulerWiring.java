package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.scheduler.EmbeddedAeron;
import dev.starling.dataplane.scheduler.HostInfo;
import dev.starling.dataplane.scheduler.SchedulerChannels;
import dev.starling.dataplane.scheduler.SchedulerClient;
import dev.starling.dataplane.scheduler.SeedHandler;
import dev.starling.dataplane.store.PieceStore;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.HexFormat;

/**
 * How a daemon joins the scheduler: its Aeron directory, the address it advertises, its peer id, and the
 * {@link SchedulerClient} wired to its store.
 */
final class SchedulerWiring
{
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * How a daemon in the same process as the scheduler reaches it (IPC on a shared media driver).
     *
     * @param aeron            the shared client; caller retains.
     * @param schedulerChannel the scheduler's channel.
     * @param replyChannel     this daemon's reply channel.
     * @param replyStreamId    this daemon's reply stream, distinct per daemon.
     */
    record Link(io.aeron.Aeron aeron, String schedulerChannel, String replyChannel, int replyStreamId)
    {
    }

    private SchedulerWiring()
    {
    }

    /**
     * @param ctx the daemon's settings.
     * @return {@code --aeron-dir}, else a directory under /dev/shm named after the data dir (so a restart after a
     * crash reuses, and clears, the same one), else one in the data dir.
     */
    static Path aeronDir(final DataplaneContext ctx)
    {
        if (!ctx.aeronDir().isEmpty())
        {
            return Path.of(ctx.aeronDir());
        }
        final String name = "starling-aeron-" + HexFormat.of().formatHex(
            dev.starling.dataplane.task.Digest.newSha256().digest(ctx.dataDir().toString().getBytes()), 0, 8);
        final Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm.resolve(name) : ctx.dataDir().resolve("aeron");
    }

    /**
     * @param ctx  the daemon's settings.
     * @param bind the piece server's bound address.
     * @return the address peers reach this node on.
     */
    static String advertiseAddress(final DataplaneContext ctx, final InetSocketAddress bind)
    {
        if (!ctx.advertiseAddress().isEmpty())
        {
            return ctx.advertiseAddress();
        }
        final InetAddress host = bind.getAddress();
        if (host != null && !host.isAnyLocalAddress())
        {
            return host.getHostAddress();
        }
        try
        {
            for (final NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces()))
            {
                if (!nif.isUp() || nif.isLoopback())
                {
                    continue;
                }
                for (final InetAddress a : Collections.list(nif.getInetAddresses()))
                {
                    if (a instanceof Inet4Address)
                    {
                        return a.getHostAddress();
                    }
                }
            }
        }
        catch (final SocketException ex)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "cannot list network interfaces (" + ex.getMessage() +
                "): set --advertise-address");
        }
        return "127.0.0.1";
    }

    /**
     * Starts the daemon's scheduler client.
     *
     * @param rdmaDevice the transport's remote-read device, announced to the scheduler, or "".
     * @return the running client; the caller closes it before {@code aeron}.
     */
    static SchedulerClient connect(
        final DataplaneContext ctx,
        final EmbeddedAeron aeron,
        final InetSocketAddress pieceBind,
        final PieceStore store,
        final DataplaneMetrics metrics,
        final SeedHandler seedHandler,
        final String rdmaDevice)
    {
        final String advertise = advertiseAddress(ctx, pieceBind);
        final InetSocketAddress scheduler = DataplaneContext.parseAddress("scheduler", ctx.scheduler());
        return connect(ctx, new Link(aeron.aeron(), SchedulerChannels.udp(scheduler), SchedulerChannels.udp(advertise, 0),
            SchedulerChannels.REPLY_STREAM_ID), pieceBind, store, metrics, seedHandler, rdmaDevice);
    }

    /**
     * Starts the daemon's scheduler client on the given link.
     *
     * @return the running client; the caller closes it.
     */
    static SchedulerClient connect(
        final DataplaneContext ctx,
        final Link link,
        final InetSocketAddress pieceBind,
        final PieceStore store,
        final DataplaneMetrics metrics,
        final SeedHandler seedHandler,
        final String rdmaDevice)
    {
        final String advertise = advertiseAddress(ctx, pieceBind);
        long peerId;
        do
        {
            peerId = RANDOM.nextLong() & Long.MAX_VALUE;
        }
        while (peerId == 0);
        final HostInfo host = new HostInfo(peerId, advertise, pieceBind.getPort(), ctx.uploadSlots(), ctx.seed(),
            ctx.zone(), ctx.rack(), rdmaDevice);
        return new SchedulerClient(link.aeron(), link.schedulerChannel(), link.replyChannel(), link.replyStreamId(),
            host, store, seedHandler, metrics, 1_000).start();
    }
}
