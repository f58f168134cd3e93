package dev.starling.dataplane.serve;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;

import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * The listening side of a front end (registry mirror, hub endpoint): one pipeline for every connection —
 * {@link TlsProbeHandler}, the HTTP codec with bounded request lines and headers (longer is a 400), 100-continue,
 * an aggregator bounded at the front end's largest request body — then the front end's own handler. The event
 * loops must be NIO or epoll: their file regions are correct past 2 GiB (Netty 4.2.18's io_uring ones are not).
 */
public final class FrontEndServer
{
    private static final int MAX_INITIAL_LINE_BYTES = 8192;
    private static final int MAX_HEADER_BYTES = 16384;
    private static final int MAX_CHUNK_BYTES = 8192;

    private FrontEndServer()
    {
    }

    /**
     * Binds a listener.
     *
     * @param group           the front end's event loops (NIO); caller retains.
     * @param address         where to listen.
     * @param maxRequestBytes the largest request body accepted.
     * @param handler         makes the front end's handler for each new connection.
     * @return the bound server channel; the caller closes it.
     */
    public static Channel bind(
        final EventLoopGroup group,
        final InetSocketAddress address,
        final int maxRequestBytes,
        final Supplier<ChannelHandler> handler)
    {
        return new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    ch.pipeline().addLast(
                        new TlsProbeHandler(),
                        new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES, MAX_CHUNK_BYTES),
                        new HttpServerExpectContinueHandler(),
                        new HttpObjectAggregator(maxRequestBytes),
                        handler.get());
                }
            })
            .bind(address).syncUninterruptibly().channel();
    }
}
