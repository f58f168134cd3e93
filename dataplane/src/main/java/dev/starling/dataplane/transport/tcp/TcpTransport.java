package dev.starling.dataplane.transport.tcp;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.transport.PeerConnection;
import dev.starling.dataplane.transport.PieceServer;
import dev.starling.dataplane.transport.PieceSource;
import dev.starling.dataplane.transport.RemoteReadClient;
import dev.starling.dataplane.transport.RemoteReadServer;
import dev.starling.dataplane.transport.TransportProvider;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TCP transport provider on Netty: io_uring, else epoll, else NIO, unless one is forced. The choice and every
 * fallback are logged once and counted ({@link #fallbackCount()}).
 * <p>
 * The server answers each request with a 52-byte head and the piece straight from the content file: a file region
 * (sendfile/splice, no copy through user space), or, on io_uring for pieces that end beyond 2 GiB, a read-only
 * mapping of the piece (Netty 4.2.18's io_uring file regions keep offsets in 32 bits: past 2 GiB they fail, past
 * 4 GiB they send wrong bytes).
 */
public final class TcpTransport implements TransportProvider
{
    private static final Logger LOG = LoggerFactory.getLogger(TcpTransport.class);
    private static final AtomicLong FALLBACKS = new AtomicLong();
    /** Longest a new connection waits for its remote-read session to settle before it is handed out anyway. */
    static final long REMOTE_READ_SETTLE_TIMEOUT_MS = 5_000;

    private final IoKind kind;
    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> serverChannelClass;
    private final Class<? extends SocketChannel> channelClass;
    private final int maxPendingResponses;

    private TcpTransport(final IoKind kind, final int threads, final int maxPendingResponses)
    {
        this.kind = kind;
        this.maxPendingResponses = maxPendingResponses;
        final IoHandlerFactory factory;
        switch (kind)
        {
            case IO_URING:
                factory = IoUringIoHandler.newFactory();
                serverChannelClass = IoUringServerSocketChannel.class;
                channelClass = IoUringSocketChannel.class;
                break;
            case EPOLL:
                factory = EpollIoHandler.newFactory();
                serverChannelClass = EpollServerSocketChannel.class;
                channelClass = EpollSocketChannel.class;
                break;
            default:
                factory = NioIoHandler.newFactory();
                serverChannelClass = NioServerSocketChannel.class;
                channelClass = NioSocketChannel.class;
        }
        group = new MultiThreadIoEventLoopGroup(threads, factory);
    }

    /**
     * Opens the best engine available, or the one asked for.
     *
     * @param wanted   {@code auto}, {@code io_uring}, {@code epoll} or {@code nio}.
     * @param threads  I/O threads.
     * @param maxPendingResponses responses queued per connection before the server answers BUSY.
     * @return the transport.
     * @throws StarlingException {@link ErrorCode#BAD_CONFIG} when a forced engine is unavailable.
     */
    public static TcpTransport open(final String wanted, final int threads, final int maxPendingResponses)
    {
        final String w = wanted == null ? "auto" : wanted.toLowerCase(Locale.ROOT).replace('-', '_');
        switch (w)
        {
            case "io_uring":
                require(IoUring.isAvailable(), "io_uring", IoUring.unavailabilityCause());
                return new TcpTransport(IoKind.IO_URING, threads, maxPendingResponses);
            case "epoll":
                require(Epoll.isAvailable(), "epoll", Epoll.unavailabilityCause());
                return new TcpTransport(IoKind.EPOLL, threads, maxPendingResponses);
            case "nio":
                return new TcpTransport(IoKind.NIO, threads, maxPendingResponses);
            case "auto":
                break;
            default:
                throw new StarlingException(ErrorCode.BAD_CONFIG, "unknown transport '" + wanted +
                    "' (auto, io_uring, epoll, nio)");
        }
        if (IoUring.isAvailable())
        {
            LOG.info("piece transport: TCP over io_uring");
            return new TcpTransport(IoKind.IO_URING, threads, maxPendingResponses);
        }
        FALLBACKS.incrementAndGet();
        if (Epoll.isAvailable())
        {
            LOG.warn("piece transport: io_uring unavailable ({}); falling back to epoll",
                String.valueOf(IoUring.unavailabilityCause()));
            return new TcpTransport(IoKind.EPOLL, threads, maxPendingResponses);
        }
        FALLBACKS.incrementAndGet();
        LOG.warn("piece transport: io_uring and epoll unavailable ({}); falling back to NIO",
            String.valueOf(Epoll.unavailabilityCause()));
        return new TcpTransport(IoKind.NIO, threads, maxPendingResponses);
    }

    private static void require(final boolean available, final String name, final Throwable cause)
    {
        if (!available)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "transport " + name + " was asked for but is " +
                "unavailable here: " + cause);
        }
    }

    /**
     * @return how many times this process fell back to a lesser engine than io_uring.
     */
    public static long fallbackCount()
    {
        return FALLBACKS.get();
    }

    /**
     * @return the engine in use.
     */
    public IoKind kind()
    {
        return kind;
    }

    @Override
    public String name()
    {
        return "tcp-" + kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public PieceServer startServer(final InetSocketAddress bind, final PieceSource source)
    {
        return startServer(bind, source, null);
    }

    /**
     * Starts serving pieces, with remote reads for clients that ask for them.
     *
     * @param bind        address to listen on; port 0 for any.
     * @param source      what to serve; caller retains.
     * @param remoteReads the remote-read extension, or null for in-band answers only; caller retains.
     * @return the running server; caller owns it.
     */
    public PieceServer startServer(
        final InetSocketAddress bind, final PieceSource source, final RemoteReadServer remoteReads)
    {
        final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        final ServerBootstrap b = new ServerBootstrap()
            .group(group)
            .channel(serverChannelClass)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            // Pooled, not Netty 4.2's adaptive default: its internalNioBuffer() makes a new view per call (JMH).
            .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    connections.add(ch);
                    ch.pipeline().addLast(new PieceServerHandler(source, kind, maxPendingResponses, remoteReads));
                }
            });
        try
        {
            final Channel server = b.bind(bind).sync().channel();
            connections.add(server);
            return new PieceServer()
            {
                @Override
                public InetSocketAddress localAddress()
                {
                    return (InetSocketAddress)server.localAddress();
                }

                @Override
                public void close()
                {
                    connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
                }
            };
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new StarlingException(ErrorCode.CANCELLED, "interrupted while binding " + bind);
        }
        catch (final RuntimeException ex)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "cannot listen for pieces on " + bind + ": " + ex, ex);
        }
    }

    @Override
    public CompletableFuture<PeerConnection> connect(final InetSocketAddress peer)
    {
        return connect(peer, null);
    }

    /**
     * Connects to a peer's piece server and offers it remote reads.
     *
     * @param peer        the peer's address.
     * @param remoteReads the remote-read extension, or null; caller retains.
     * @return completes with the connection once its remote-read session has settled, or after
     *         {@value #REMOTE_READ_SETTLE_TIMEOUT_MS} ms (caller owns it), or exceptionally with a
     *         {@link StarlingException}.
     */
    public CompletableFuture<PeerConnection> connect(final InetSocketAddress peer, final RemoteReadClient remoteReads)
    {
        final CompletableFuture<PeerConnection> result = new CompletableFuture<>();
        final Bootstrap b = new Bootstrap()
            .group(group)
            .channel(channelClass)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
            .handler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    ch.pipeline().addLast(new PieceClientHandler());
                }
            });
        b.connect(peer).addListener(f ->
        {
            if (f.isSuccess())
            {
                final Channel ch = ((io.netty.channel.ChannelFuture)f).channel();
                final PieceClientHandler handler = ch.pipeline().get(PieceClientHandler.class);
                if (remoteReads == null)
                {
                    result.complete(new TcpPeerConnection(ch, handler, peer, null));
                    return;
                }
                // The session is set on the event loop before its HELLO goes out, so the answer finds it.
                ch.eventLoop().execute(() ->
                {
                    if (!ch.isActive())
                    {
                        // Closed before the offer could go out: a closed connection, as without the extension.
                        result.complete(new TcpPeerConnection(ch, handler, peer, null));
                        return;
                    }
                    final RemoteReadClient.Session session;
                    try
                    {
                        handler.remoteReads(session = remoteReads.openClient(ch));
                    }
                    catch (final RuntimeException ex)
                    {
                        ch.close();
                        result.completeExceptionally(new StarlingException(ErrorCode.INTERNAL,
                            "cannot offer remote reads to peer " + peer + ": " + ex, ex));
                        return;
                    }
                    final TcpPeerConnection connection = new TcpPeerConnection(ch, handler, peer, session);
                    // Bounded: a remote-read set-up that is still going (an unreachable rdma_cm port can take
                    // many seconds) must not hold the connection back; its requests go in-band until it is ready.
                    session.settled().copy().completeOnTimeout(null, REMOTE_READ_SETTLE_TIMEOUT_MS,
                        TimeUnit.MILLISECONDS).whenComplete((ignored, failure) -> result.complete(connection));
                });
            }
            else
            {
                result.completeExceptionally(new StarlingException(ErrorCode.ORIGIN_UNREACHABLE,
                    "cannot connect to peer " + peer + ": " + f.cause(), f.cause()));
            }
        });
        return result;
    }

    @Override
    public void close()
    {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
