package dev.starling.modelproxy;

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
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The model hub endpoint: a Netty HTTP server on {@code --hub-listen} (default {@code 127.0.0.1:65002}) that
 * Hugging Face clients reach through {@code HF_ENDPOINT}. One per daemon; the daemon's wiring starts and closes it.
 * <p>
 * The server runs on NIO event loops: files go out with {@code FileChannel.transferTo} (sendfile), which is correct
 * at any file offset (Netty 4.2.18's io_uring file regions are not past 2 GiB), and model files are often larger.
 */
public final class HubProxy implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(HubProxy.class);
    /** API bodies (the paths-info POST) are small; nothing is uploaded through the proxy. */
    private static final int MAX_REQUEST_BYTES = 1024 * 1024;

    private final EventLoopGroup group;
    private final Channel server;
    private final ExecutorService listings;

    private HubProxy(final EventLoopGroup group, final Channel server, final ExecutorService listings)
    {
        this.group = group;
        this.server = server;
        this.listings = listings;
    }

    /**
     * Starts the hub endpoint.
     *
     * @param ctx     concluded settings; {@link HubProxyContext#hubAddress()} must not be null.
     * @param node    the node it serves from; caller retains.
     * @param threads event-loop threads.
     * @return the running endpoint; the caller closes it.
     */
    public static HubProxy start(final HubProxyContext ctx, final NodeServices node, final int threads)
    {
        final HttpClient client = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
        final AccessCache access = new AccessCache(ctx.authCacheMs());
        final MetadataCache metadata = new MetadataCache(ctx.authCacheMs());
        final ExecutorService listings = Executors.newCachedThreadPool(r ->
        {
            final Thread t = new Thread(r, "starling-hub-listing");
            t.setDaemon(true);
            return t;
        });
        final ModelScopeFiles modelscopeFiles = new ModelScopeFiles(ctx, client, listings);
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        try
        {
            final Channel server = FrontEndServer.bind(group, ctx.hubAddress(), MAX_REQUEST_BYTES,
                () -> new HubHandler(ctx, node, client, access, metadata, modelscopeFiles));
            LOG.info("model hub endpoint on {} (upstream {})", server.localAddress(), ctx.hfUpstream());
            return new HubProxy(group, server, listings);
        }
        catch (final RuntimeException ex)
        {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            listings.shutdownNow();
            throw new StarlingException(ErrorCode.BAD_CONFIG, "cannot listen on hub-listen " + ctx.hubAddress() +
                ": " + ex.getMessage(), ex);
        }
    }

    /**
     * @return the bound address (port 0 resolved).
     */
    public InetSocketAddress localAddress()
    {
        return (InetSocketAddress)server.localAddress();
    }

    @Override
    public void close()
    {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        listings.shutdownNow();
    }
}
