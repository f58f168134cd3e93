package dev.starling.dataplane.serve;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The first handler on a plain-HTTP front end's connection (registry mirror, hub proxy): a TLS ClientHello (a record starting with 0x16) on the plain port
 * — skopeo and other clients probe TLS first — closes the connection at once, cleanly, so that the client falls
 * back to plain HTTP. Anything else removes this handler and flows on to the HTTP codec untouched.
 */
public final class TlsProbeHandler extends ByteToMessageDecoder
{
    private static final Logger LOG = LoggerFactory.getLogger(TlsProbeHandler.class);
    private static final byte TLS_HANDSHAKE = 0x16;

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
    {
        if (!in.isReadable())
        {
            return;
        }
        if (in.getByte(in.readerIndex()) == TLS_HANDSHAKE)
        {
            LOG.debug("TLS handshake on a plain HTTP port from {}: closing", ctx.channel().remoteAddress());
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        ctx.pipeline().remove(this);
    }
}
