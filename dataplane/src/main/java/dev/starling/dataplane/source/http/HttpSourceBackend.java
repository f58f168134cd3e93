package dev.starling.dataplane.source.http;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.source.BodySink;
import dev.starling.dataplane.source.SourceBackend;
import dev.starling.dataplane.source.SourceMetadata;
import dev.starling.dataplane.source.SourceRequest;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;

/**
 * HTTP(S) origin backend on Netty's HTTP client codecs: a probe (HEAD, else a one-byte ranged GET) and ranged
 * GETs over keep-alive connections pooled per origin, following redirects. Bodies stream straight from Netty's
 * direct buffers into the sink. HTTPS certificates are checked as an {@link OriginTls} says (the JDK's trust store
 * unless given one).
 */
public final class HttpSourceBackend implements SourceBackend
{
    private static final Logger LOG = LoggerFactory.getLogger(HttpSourceBackend.class);
    static final String USER_AGENT = "starling/0.1";

    private final DataplaneContext ctx;
    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelClass;
    private final OriginTls tls;
    private final Map<String, ConcurrentLinkedDeque<Channel>> idle = new ConcurrentHashMap<>();

    /**
     * @param ctx     concluded context (timeouts, redirects).
     * @param threads I/O threads.
     */
    public HttpSourceBackend(final DataplaneContext ctx, final int threads)
    {
        this(ctx, threads, OriginTls.jdkDefault());
    }

    /**
     * @param ctx     concluded context (timeouts, redirects).
     * @param threads I/O threads.
     * @param tls     which certificates HTTPS origins must present.
     */
    public HttpSourceBackend(final DataplaneContext ctx, final int threads, final OriginTls tls)
    {
        this.ctx = ctx;
        this.tls = tls;
        if (Epoll.isAvailable())
        {
            group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
            channelClass = EpollSocketChannel.class;
        }
        else
        {
            LOG.info("epoll unavailable ({}); origin connections use NIO", Epoll.unavailabilityCause().toString());
            group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
            channelClass = NioSocketChannel.class;
        }
    }

    @Override
    public List<String> schemes()
    {
        return List.of("http", "https");
    }

    @Override
    public CompletableFuture<SourceMetadata> probe(final SourceRequest request)
    {
        final CompletableFuture<SourceMetadata> result = new CompletableFuture<>();
        new Exchange(this, request, Exchange.Kind.HEAD_PROBE, 0, 0, null, result).start();
        return result;
    }

    @Override
    public void fetch(final SourceRequest request, final long offset, final long length, final BodySink sink)
    {
        if (length < 0 && offset != 0)
        {
            throw new IllegalArgumentException("a whole-body fetch starts at 0, not " + offset);
        }
        new Exchange(this, request, length < 0 ? Exchange.Kind.WHOLE : Exchange.Kind.RANGE, offset, length, sink, null)
            .start();
    }

    DataplaneContext ctx()
    {
        return ctx;
    }

    /**
     * Sends a request on a pooled or new connection to the URL's origin.
     */
    void send(final URI url, final FullHttpRequest request, final Exchange exchange)
    {
        final String key = originKey(url);
        final ConcurrentLinkedDeque<Channel> pool = idle.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>());
        Channel ch;
        while ((ch = pool.pollFirst()) != null)
        {
            if (ch.isActive())
            {
                final Channel channel = ch;
                channel.eventLoop().execute(() -> writeRequest(channel, url, request, exchange));
                return;
            }
        }
        final boolean https = "https".equals(scheme(url));
        final boolean insecure = https && tls.isInsecure(url);
        final String host = url.getHost();
        final int port = port(url);
        final Bootstrap b = new Bootstrap()
            .group(group)
            .channel(channelClass)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)Math.min(Integer.MAX_VALUE, ctx.connectTimeoutMs()))
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, io.netty.buffer.PooledByteBufAllocator.DEFAULT)
            .handler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel sc)
                {
                    final ChannelPipeline p = sc.pipeline();
                    if (https)
                    {
                        final SSLEngine engine = tls.nettyContext(insecure).newEngine(sc.alloc(), host, port);
                        if (!insecure)
                        {
                            final SSLParameters params = engine.getSSLParameters();
                            params.setEndpointIdentificationAlgorithm("HTTPS");
                            engine.setSSLParameters(params);
                        }
                        p.addLast(new SslHandler(engine));
                    }
                    p.addLast(new HttpClientCodec(4096, 16384, 65536));
                    p.addLast(new IdleStateHandler(ctx.readTimeoutMs(), 0, 0, TimeUnit.MILLISECONDS));
                    p.addLast(new ExchangeHandler(HttpSourceBackend.this));
                }
            });
        final ChannelFuture connect = b.connect(host, port);
        connect.addListener(f ->
        {
            if (f.isSuccess())
            {
                writeRequest(connect.channel(), url, request, exchange);
            }
            else
            {
                request.release();
                final Throwable cause = f.cause();
                exchange.fail(new StarlingException(ErrorCode.ORIGIN_UNREACHABLE, "cannot connect to " + host + ":" +
                    port + " for " + exchange.displayUrl() + ": " + (cause == null ? "unknown" : cause.toString()),
                    cause));
            }
        });
    }

    private static void writeRequest(
        final Channel channel, final URI url, final FullHttpRequest request, final Exchange exchange)
    {
        final ExchangeHandler handler = channel.pipeline().get(ExchangeHandler.class);
        handler.begin(exchange, url);
        channel.writeAndFlush(request).addListener(f ->
        {
            if (!f.isSuccess())
            {
                handler.failCurrent(new StarlingException(ErrorCode.ORIGIN_TRANSFER, "cannot send request for " +
                    exchange.displayUrl() + ": " + f.cause(), f.cause()));
                channel.close();
            }
        });
    }

    /**
     * Returns a connection whose exchange ended cleanly to the pool.
     */
    void recycle(final URI url, final Channel channel)
    {
        if (channel.isActive() && !group.isShuttingDown())
        {
            idle.computeIfAbsent(originKey(url), k -> new ConcurrentLinkedDeque<>()).offerFirst(channel);
        }
        else
        {
            channel.close();
        }
    }

    static FullHttpRequest newRequest(final HttpMethod method, final URI url, final List<Map.Entry<String, String>> headers)
    {
        final String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        final String target = url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
        final FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, target);
        for (final Map.Entry<String, String> h : headers)
        {
            req.headers().add(h.getKey(), h.getValue());
        }
        final int port = url.getPort();
        req.headers().set(HttpHeaderNames.HOST, port == -1 ? url.getHost() : url.getHost() + ":" + port);
        req.headers().set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY);
        if (!req.headers().contains(HttpHeaderNames.USER_AGENT))
        {
            req.headers().set(HttpHeaderNames.USER_AGENT, USER_AGENT);
        }
        return req;
    }

    static String scheme(final URI url)
    {
        return url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    }

    static int port(final URI url)
    {
        return url.getPort() != -1 ? url.getPort() : "https".equals(scheme(url)) ? 443 : 80;
    }

    private static String originKey(final URI url)
    {
        return scheme(url) + "://" + url.getHost().toLowerCase(Locale.ROOT) + ":" + port(url);
    }

    @Override
    public void close()
    {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
