package dev.starling.ociproxy;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.node.NodeServices;
import dev.starling.dataplane.serve.AccessCache;
import dev.starling.dataplane.serve.FrontEndServer;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The registry mirror: a Netty HTTP server on {@code --mirror-listen} (default {@code 127.0.0.1:65001}) that
 * containerd and CRI-O use as a registry mirror, plus one listener per {@code --mirror-registry-listen} registry for
 * runtimes that cannot name the registry in a request. One per daemon; the daemon's wiring starts and closes it.
 * <p>
 * The server runs on NIO event loops: blobs go out with {@code FileChannel.transferTo} (sendfile), which is correct
 * at any file offset (Netty 4.2.18's io_uring file regions are not past 2 GiB).
 */
public final class OciProxy implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(OciProxy.class);
    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final EventLoopGroup group;
    private final Channel server;
    private final Map<String, Channel> registryServers;
    private final MirrorMetrics metrics;

    private OciProxy(
        final EventLoopGroup group,
        final Channel server,
        final Map<String, Channel> registryServers,
        final MirrorMetrics metrics)
    {
        this.group = group;
        this.server = server;
        this.registryServers = registryServers;
        this.metrics = metrics;
    }

    /**
     * Starts the mirror: a listener on {@link OciProxyContext#mirrorAddress()} (when not null) whose requests that
     * name no registry go to {@link OciProxyContext#defaultRegistry()}, and one per
     * {@link OciProxyContext#registryListeners()} entry whose requests that name none go to its registry. They share
     * the event loops, the node, the upstream clients and the confirmation cache.
     *
     * @param ctx     concluded settings.
     * @param node    the node it serves from; caller retains.
     * @param threads event-loop threads.
     * @return the running mirror; the caller closes it.
     */
    public static OciProxy start(final OciProxyContext ctx, final NodeServices node, final int threads)
    {
        final MirrorMetrics metrics = new MirrorMetrics(node.metrics().registry());
        final Upstreams upstreams = new Upstreams(ctx, metrics);
        final AccessCache authCache = new AccessCache(ctx.authCacheMs());
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        final List<Channel> bound = new ArrayList<>();
        InetSocketAddress binding = ctx.mirrorAddress();
        try
        {
            Channel server = null;
            if (binding != null)
            {
                server = bind(group, binding, ctx, node, upstreams, authCache, metrics);
                bound.add(server);
                LOG.info("registry mirror on {} (default upstream {})", server.localAddress(), ctx.defaultRegistry());
            }
            final Map<String, Channel> registryServers = new LinkedHashMap<>();
            for (final OciProxyContext.RegistryListener listener : ctx.registryListeners())
            {
                binding = listener.address();
                final Channel ch = bind(group, binding, ctx, node, upstreams.withDefault(listener.registry()), authCache,
                    metrics);
                bound.add(ch);
                registryServers.put(listener.registry(), ch);
                LOG.info("registry mirror for {} on {}", listener.registry(), ch.localAddress());
            }
            return new OciProxy(group, server, registryServers, metrics);
        }
        catch (final RuntimeException ex)
        {
            for (final Channel ch : bound)
            {
                ch.close().syncUninterruptibly();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new StarlingException(ErrorCode.BAD_CONFIG, "cannot listen on " + binding + " for the registry " +
                "mirror: " + ex.getMessage(), ex);
        }
    }

    private static Channel bind(
        final EventLoopGroup group,
        final InetSocketAddress address,
        final OciProxyContext ctx,
        final NodeServices node,
        final Upstreams upstreams,
        final AccessCache authCache,
        final MirrorMetrics metrics)
    {
        return FrontEndServer.bind(group, address, MAX_REQUEST_BYTES,
            () -> new MirrorHandler(ctx, node, upstreams, authCache, metrics));
    }

    /**
     * @return the bound address of {@code --mirror-listen} (port 0 resolved), or null when it is off.
     */
    public InetSocketAddress localAddress()
    {
        return server == null ? null : (InetSocketAddress)server.localAddress();
    }

    /**
     * @return each registry listener's bound address (port 0 resolved), by registry as given, in the order given.
     */
    public Map<String, InetSocketAddress> registryAddresses()
    {
        final Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
        registryServers.forEach((registry, ch) -> addresses.put(registry, (InetSocketAddress)ch.localAddress()));
        return addresses;
    }

    /**
     * @return this mirror's own metrics (also on the node's {@code /metrics}).
     */
    MirrorMetrics metrics()
    {
        return metrics;
    }

    @Override
    public void close()
    {
        if (server != null)
        {
            server.close().syncUninterruptibly();
        }
        for (final Channel ch : registryServers.values())
        {
            ch.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
