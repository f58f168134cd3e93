package dev.starling.dataplane.source.http;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.net.URI;

/**
 * The last handler of an origin connection: hands response parts to the connection's current {@link Exchange}.
 * Event-loop confined.
 */
final class ExchangeHandler extends ChannelInboundHandlerAdapter
{
    private final HttpSourceBackend backend;
    private Exchange current;
    private boolean reading;
    private URI url;

    ExchangeHandler(final HttpSourceBackend backend)
    {
        this.backend = backend;
    }

    void begin(final Exchange exchange, final URI url)
    {
        this.current = exchange;
        this.reading = false;
        this.url = url;
    }

    void failCurrent(final StarlingException error)
    {
        final Exchange e = current;
        current = null;
        if (e != null)
        {
            e.fail(error);
        }
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        try
        {
            final Exchange e = current;
            if (e == null)
            {
                return;
            }
            if (msg instanceof HttpResponse)
            {
                if (e.onResponse((HttpResponse)msg) == Exchange.Next.CLOSE)
                {
                    current = null;
                    ctx.close();
                    return;
                }
                reading = true;
            }
            if (msg instanceof HttpContent && reading)
            {
                if (e.onBody(((HttpContent)msg).content()))
                {
                    current = null;
                    ctx.close();
                    return;
                }
                if (msg instanceof LastHttpContent)
                {
                    current = null;
                    reading = false;
                    final boolean reusable = e.onLast();
                    if (reusable)
                    {
                        backend.recycle(url, ctx.channel());
                    }
                    else
                    {
                        ctx.close();
                    }
                }
            }
        }
        finally
        {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        failCurrent(new StarlingException(ErrorCode.ORIGIN_TRANSFER, "origin closed the connection mid-response"));
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt)
    {
        if (evt instanceof IdleStateEvent)
        {
            failCurrent(new StarlingException(ErrorCode.ORIGIN_TRANSFER, "origin sent nothing for the read timeout"));
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        failCurrent(new StarlingException(ErrorCode.ORIGIN_TRANSFER, "origin connection failed: " + cause, cause));
        ctx.close();
    }
}
