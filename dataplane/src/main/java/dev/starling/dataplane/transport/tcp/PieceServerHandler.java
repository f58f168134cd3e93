package dev.starling.dataplane.transport.tcp;

import dev.starling.dataplane.transport.PieceProtocol;
import dev.starling.dataplane.transport.PieceRegion;
import dev.starling.dataplane.transport.PieceSource;
import dev.starling.dataplane.transport.PieceStatus;
import dev.starling.dataplane.transport.RemoteReadServer;
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
 * connection's pool (Netty's release after the write hands it back), or, for a client that asked to read the piece
 * remotely and a {@link RemoteReadServer} that agrees, a head with the remote-read descriptor alone. A malformed
 * frame closes this connection only.
 * Event-loop confined, the pool included.
 */
final class PieceServerHandler extends ByteToMessageDecoder
{
    private static final Logger LOG = LoggerFactory.getLogger(PieceServerHandler.class);
    private final PieceSource source;
    private final IoKind kind;
    private final int maxPendingResponses;
    private final PieceRegion region = new PieceRegion();
    private final SharedFileRegion.Pool fileRegions = new SharedFileRegion.Pool();
    private final byte[] taskId = new byte[32];
    private final RemoteReadServer extension;
    private RemoteReadServer.Session remoteReads;

    PieceServerHandler(
        final PieceSource source, final IoKind kind, final int maxPendingResponses, final RemoteReadServer extension)
    {
        this.source = source;
        this.kind = kind;
        this.maxPendingResponses = maxPendingResponses;
        this.extension = extension;
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
            if (version != PieceProtocol.VERSION || bodyLength != expectedBodyLength(type))
            {
                LOG.warn("closing piece connection from {}: malformed frame (version {}, type {}, body {} bytes)",
                    ctx.channel().remoteAddress(), version, type, bodyLength);
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (in.readableBytes() < PieceProtocol.HEADER_LENGTH + bodyLength)
            {
                break;
            }
            final int body = at + PieceProtocol.HEADER_LENGTH;
            in.skipBytes(PieceProtocol.HEADER_LENGTH + (int)bodyLength);
            if (type == PieceProtocol.TYPE_REQUEST)
            {
                in.getBytes(body, taskId);
                answer(ctx, PieceProtocol.requestId(in, at), in.getInt(body + 32), PieceProtocol.flags(in, at));
            }
            else if (type == PieceProtocol.TYPE_HELLO)
            {
                hello(ctx, in, body);
            }
            else
            {
                if (remoteReads != null)
                {
                    remoteReads.onRelease(in.getInt(body));
                }
                continue;
            }
            wrote = true;
        }
        if (wrote)
        {
            ctx.flush();
        }
    }

    private static long expectedBodyLength(final int type)
    {
        switch (type)
        {
            case PieceProtocol.TYPE_REQUEST:
                return PieceProtocol.REQUEST_BODY_LENGTH;
            case PieceProtocol.TYPE_HELLO:
                return PieceProtocol.HELLO_BODY_LENGTH;
            case PieceProtocol.TYPE_RELEASE:
                return PieceProtocol.RELEASE_BODY_LENGTH;
            default:
                return -1;
        }
    }

    private void hello(final ChannelHandlerContext ctx, final ByteBuf in, final int body)
    {
        final ByteBuf ack = ctx.alloc().directBuffer(PieceProtocol.HEADER_LENGTH + PieceProtocol.HELLO_ACK_BODY_LENGTH);
        if (extension == null || remoteReads != null)
        {
            // No remote reads here, or a second HELLO on a connection that already has them: refuse this one.
            PieceProtocol.writeHelloAck(ack, PieceProtocol.HELLO_UNSUPPORTED, 0, 0);
        }
        else
        {
            try
            {
                remoteReads = extension.acceptHello(ctx.channel(), in, body, ack);
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("remote reads refused to {}: {}", ctx.channel().remoteAddress(), ex.toString());
                remoteReads = null;
                ack.clear();
                PieceProtocol.writeHelloAck(ack, PieceProtocol.HELLO_UNSUPPORTED, 0, 0);
            }
        }
        ctx.write(ack, ctx.voidPromise());
    }

    private void answer(final ChannelHandlerContext ctx, final int requestId, final int pieceIndex, final int flags)
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
        if (remoteReads != null && (flags & PieceProtocol.FLAG_REMOTE_READ) != 0 &&
            remoteReads.describe(requestId, pieceIndex, region, head))
        {
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
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        if (remoteReads != null)
        {
            final RemoteReadServer.Session session = remoteReads;
            remoteReads = null;
            session.close();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        LOG.debug("piece connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
