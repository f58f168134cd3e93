package dev.starling.cli;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * A small HTTP origin for {@code starling demo}: serves one file at {@code /<name>} with HEAD, GET and single
 * byte ranges, sending the body with sendfile. Loopback only. It stands in for a real origin on a machine that
 * has none installed; the tests use real nginx.
 */
final class DemoOrigin implements AutoCloseable
{
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final java.util.concurrent.atomic.AtomicLong bytesServed = new java.util.concurrent.atomic.AtomicLong();

    DemoOrigin(final Path file) throws InterruptedException
    {
        final String name = "/" + file.getFileName();
        server = new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192),
                        new FileHandler(file, name, bytesServed));
                }
            })
            .bind("127.0.0.1", 0).sync().channel();
    }

    /**
     * @return body bytes sent so far (ranges included), for the swarm's summary.
     */
    long bytesServed()
    {
        return bytesServed.get();
    }

    int port()
    {
        return ((InetSocketAddress)server.localAddress()).getPort();
    }

    @Override
    public void close()
    {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class FileHandler extends SimpleChannelInboundHandler<FullHttpRequest>
    {
        private final Path file;
        private final String name;
        private final java.util.concurrent.atomic.AtomicLong bytesServed;

        FileHandler(final Path file, final String name, final java.util.concurrent.atomic.AtomicLong bytesServed)
        {
            this.file = file;
            this.name = name;
            this.bytesServed = bytesServed;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest req) throws IOException
        {
            if (!req.uri().equals(name))
            {
                final DefaultFullHttpResponse notFound =
                    new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND);
                HttpUtil.setContentLength(notFound, 0);
                ctx.writeAndFlush(notFound);
                return;
            }
            final RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r");
            final long length = raf.length();
            long start = 0;
            long end = length - 1;
            HttpResponseStatus status = HttpResponseStatus.OK;
            final String range = req.headers().get(HttpHeaderNames.RANGE);
            if (range != null && range.startsWith("bytes=") && !range.contains(","))
            {
                final String[] parts = range.substring(6).split("-", -1);
                start = parts[0].isEmpty() ? length - Long.parseLong(parts[1]) : Long.parseLong(parts[0]);
                end = parts[0].isEmpty() || parts[1].isEmpty() ? length - 1 : Math.min(length - 1, Long.parseLong(parts[1]));
                status = HttpResponseStatus.PARTIAL_CONTENT;
            }
            final HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
            res.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
            res.headers().set(HttpHeaderNames.ETAG, "\"demo-" + length + "\"");
            if (status == HttpResponseStatus.PARTIAL_CONTENT)
            {
                res.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes " + start + "-" + end + "/" + length);
            }
            HttpUtil.setContentLength(res, end - start + 1);
            ctx.write(res);
            if (req.method().equals(HttpMethod.HEAD))
            {
                raf.close();
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            bytesServed.addAndGet(end - start + 1);
            ctx.write(new DefaultFileRegion(raf.getChannel(), start, end - start + 1));
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener((ChannelFutureListener)f ->
            {
                if (!f.isSuccess())
                {
                    f.channel().close();
                }
            });
        }
    }
}
