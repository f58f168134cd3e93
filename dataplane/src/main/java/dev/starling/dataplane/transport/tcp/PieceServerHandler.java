package dev.starling.dataplane.transport.tcp;

import dev.starling.dataplane.transport.PieceProtocol;
import dev.starling.dataplane.transport.PieceRegion;
import dev.starling.dataplane.transport.PieceSource;
import dev.starling.dataplane.transport.PieceStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.List;

/**
 * Serves piece requests on one connection, in the order they arrive. Requests are parsed in place from the
 * inbound bytes; each answer is a head buffer plus the piece straight from its file, as a file region from this
 * connection's pool (Netty's release after the write hands it back). A malformed frame closes this connection only.
 * Event-loop confined, the pool included.
 */
final class PieceServerHandler extends ByteToMessageDecoder
{
    private static final Logger LOG = LoggerFactory.getLogger(PieceServerHandler.class);
    private static final int REQUEST_FRAME_LENGTH = PieceProtocol.HEADER_LENGTH + PieceProtocol.REQUEST_BODY_LENGTH;

    private final PieceSource source;
    private final IoKind kind;
    private final int maxPendingResponses;
    private final PieceRegion region = new PieceRegion();
    private final SharedFileRegion.Pool fileRegions = new SharedFileRegion.Pool();
    private final byte[] taskId = new byte[32];

    PieceServerHandler(final PieceSource source, final IoKind kind, final int maxPendingResponses)
    {
        this.source = source;
        this.kind = kind;
        this.maxPendingResponses = maxPendingResponses;
    }

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
    {
        boolean wrote = false;
        while (in.readableBytes() >= PieceProtocol.HEADER_LENGTH)
        {
            final int at = in.readerIndex();
            final int version = PieceProtocol.version(in, at);
            final int type = PieceProtocol.type(in, at);
            final long bodyLength = PieceProtocol.bodyLength(in, at);
            if (version != PieceProtocol.VERSION || type != PieceProtocol.TYPE_REQUEST ||
                bodyLength != PieceProtocol.REQUEST_BODY_LENGTH)
            {
                LOG.warn("closing piece connection from {}: malformed frame (version {}, type {}, body {} bytes)",
                    ctx.channel().remoteAddress(), version, type, bodyLength);
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (in.readableBytes() < REQUEST_FRAME_LENGTH)
            {
                break;
            }
            final int requestId = PieceProtocol.requestId(in, at);
            in.getBytes(at + PieceProtocol.HEADER_LENGTH, taskId);
            final int pieceIndex = in.getInt(at + PieceProtocol.HEADER_LENGTH + 32);
            in.skipBytes(REQUEST_FRAME_LENGTH);
            answer(ctx, requestId, pieceIndex);
            wrote = true;
        }
        if (wrote)
        {
            ctx.flush();
        }
    }

    private void answer(final ChannelHandlerContext ctx, final int requestId, final int pieceIndex)
    {
        PieceStatus status;
        final io.netty.channel.ChannelOutboundBuffer queued = ctx.channel().unsafe().outboundBuffer();
        // Two messages (head and piece) per queued response; no promise per write is needed to count them.
        if (queued != null && queued.size() >= 2L * maxPendingResponses)
        {
            status = PieceStatus.BUSY;
        }
        else if (pieceIndex < 0)
        {
            status = PieceStatus.BAD_REQUEST;
        }
        else
        {
            try
            {
                status = source.lookup(taskId, pieceIndex, region);
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("piece lookup failed: {}", ex.toString());
                status = PieceStatus.ERROR;
            }
        }
        final ByteBuf head = ctx.alloc().directBuffer(PieceProtocol.HEADER_LENGTH + PieceProtocol.RESPONSE_PREFIX_LENGTH);
        if (status != PieceStatus.OK)
        {
            PieceProtocol.writeResponseHead(head, requestId, status, pieceIndex, null, 0);
            ctx.write(head, ctx.voidPromise());
            return;
        }
        final Object body;
        try
        {
            body = body(region);
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot read piece {}: {}", pieceIndex, ex.toString());
            PieceProtocol.writeResponseHead(head, requestId, PieceStatus.ERROR, pieceIndex, null, 0);
            ctx.write(head, ctx.voidPromise());
            return;
        }
        PieceProtocol.writeResponseHead(head, requestId, PieceStatus.OK, pieceIndex, region.digest, region.length());
        ctx.write(head, ctx.voidPromise());
        ctx.write(body, ctx.voidPromise());
    }

    private Object body(final PieceRegion r) throws IOException
    {
        final FileChannel channel = r.channel();
        if (kind == IoKind.IO_URING && r.fileOffset() + r.length() > Integer.MAX_VALUE)
        {
            // io_uring file regions keep 32-bit offsets in Netty 4.2.18: send this piece from mapped memory.
            return Unpooled.wrappedBuffer(channel.map(FileChannel.MapMode.READ_ONLY, r.fileOffset(), r.length()));
        }
        return fileRegions.acquire(channel, r.fileOffset(), r.length());
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        LOG.debug("piece connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
