package dev.starling.dataplane.transport.tcp;

import dev.starling.dataplane.transport.PieceProtocol;
import dev.starling.dataplane.transport.PieceReceiver;
import dev.starling.dataplane.transport.PieceStatus;
import dev.starling.dataplane.transport.RemoteReadClient;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.List;

/**
 * Reads piece responses on one connection and streams each piece's bytes to its receiver as they arrive, without
 * gathering the piece in memory. Requests in flight are matched by request id. A response that carries a
 * remote-read descriptor, and the answer to the connection's HELLO, go to its {@link RemoteReadClient} session.
 * Event-loop confined.
 */
final class PieceClientHandler extends ByteToMessageDecoder
{
    private static final int PREFIX = PieceProtocol.HEADER_LENGTH + PieceProtocol.RESPONSE_PREFIX_LENGTH;

    private final Int2ObjectHashMap<PieceReceiver> inFlight = new Int2ObjectHashMap<>();
    private final byte[] digest = new byte[32];
    private PieceReceiver current;
    private long remaining;
    private RemoteReadClient.Session remoteReads;

    void register(final int requestId, final PieceReceiver receiver)
    {
        inFlight.put(requestId, receiver);
    }

    /**
     * @param session the connection's remote-read session, set once before the first request.
     */
    void remoteReads(final RemoteReadClient.Session session)
    {
        this.remoteReads = session;
    }

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
    {
        while (in.isReadable())
        {
            if (current != null)
            {
                final int n = (int)Math.min(remaining, in.readableBytes());
                if (in.nioBufferCount() == 1)
                {
                    current.onPieceData(in.internalNioBuffer(in.readerIndex(), n));
                }
                else
                {
                    for (final java.nio.ByteBuffer b : in.nioBuffers(in.readerIndex(), n))
                    {
                        current.onPieceData(b);
                    }
                }
                in.skipBytes(n);
                remaining -= n;
                if (remaining == 0)
                {
                    final PieceReceiver done = current;
                    current = null;
                    done.onPieceEnd();
                }
                continue;
            }
            if (in.readableBytes() < PieceProtocol.HEADER_LENGTH)
            {
                return;
            }
            final int at = in.readerIndex();
            final long bodyLength = PieceProtocol.bodyLength(in, at);
            final int type = PieceProtocol.type(in, at);
            final boolean remoteRead = (PieceProtocol.flags(in, at) & PieceProtocol.FLAG_REMOTE_READ) != 0;
            if (type == PieceProtocol.TYPE_HELLO_ACK && remoteReads != null &&
                PieceProtocol.version(in, at) == PieceProtocol.VERSION &&
                bodyLength == PieceProtocol.HELLO_ACK_BODY_LENGTH)
            {
                if (in.readableBytes() < PieceProtocol.HEADER_LENGTH + PieceProtocol.HELLO_ACK_BODY_LENGTH)
                {
                    return;
                }
                in.skipBytes(PieceProtocol.HEADER_LENGTH + PieceProtocol.HELLO_ACK_BODY_LENGTH);
                remoteReads.onHelloAck(in, at + PieceProtocol.HEADER_LENGTH);
                continue;
            }
            if (PieceProtocol.version(in, at) != PieceProtocol.VERSION ||
                type != PieceProtocol.TYPE_RESPONSE ||
                bodyLength < PieceProtocol.RESPONSE_PREFIX_LENGTH ||
                bodyLength > PieceProtocol.RESPONSE_PREFIX_LENGTH + PieceProtocol.MAX_PIECE_LENGTH ||
                remoteRead && (remoteReads == null ||
                    bodyLength != PieceProtocol.RESPONSE_PREFIX_LENGTH + PieceProtocol.DESCRIPTOR_LENGTH))
            {
                failAll("malformed response frame from " + ctx.channel().remoteAddress());
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (in.readableBytes() < (remoteRead ? PREFIX + PieceProtocol.DESCRIPTOR_LENGTH : PREFIX))
            {
                return;
            }
            final int requestId = PieceProtocol.requestId(in, at);
            final PieceReceiver receiver = inFlight.remove(requestId);
            if (receiver == null)
            {
                failAll("response to unknown request " + requestId + " from " + ctx.channel().remoteAddress());
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            final PieceStatus status = PieceStatus.of(in.getUnsignedByte(at + PieceProtocol.HEADER_LENGTH));
            final int pieceIndex = in.getInt(at + PieceProtocol.HEADER_LENGTH + 4);
            in.getBytes(at + PieceProtocol.HEADER_LENGTH + 8, digest);
            in.skipBytes(PREFIX);
            if (remoteRead)
            {
                in.skipBytes(PieceProtocol.DESCRIPTOR_LENGTH);
                if (status == PieceStatus.OK)
                {
                    // Ownership of the receiver passes to the session, which ends the request when the read does.
                    remoteReads.onDescriptor(receiver, pieceIndex, digest, in, at + PREFIX);
                }
                else
                {
                    receiver.onPieceFailed(status, "peer " + ctx.channel().remoteAddress() + " answered " + status +
                        " for piece " + pieceIndex);
                }
                continue;
            }
            final long pieceLength = bodyLength - PieceProtocol.RESPONSE_PREFIX_LENGTH;
            if (status != PieceStatus.OK)
            {
                receiver.onPieceFailed(status, "peer " + ctx.channel().remoteAddress() + " answered " + status +
                    " for piece " + pieceIndex);
                continue;
            }
            receiver.onPieceStart(pieceIndex, (int)pieceLength, digest);
            if (pieceLength == 0)
            {
                receiver.onPieceEnd();
            }
            else
            {
                current = receiver;
                remaining = pieceLength;
            }
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        failAll("connection to " + ctx.channel().remoteAddress() + " closed");
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        failAll("connection to " + ctx.channel().remoteAddress() + " failed: " + cause);
        ctx.close();
    }

    void failAll(final String reason)
    {
        if (remoteReads != null)
        {
            remoteReads.close(reason);
        }
        if (current != null)
        {
            final PieceReceiver r = current;
            current = null;
            r.onPieceFailed(PieceStatus.ERROR, reason);
        }
        if (!inFlight.isEmpty())
        {
            final PieceReceiver[] receivers = inFlight.values().toArray(new PieceReceiver[0]);
            inFlight.clear();
            for (final PieceReceiver r : receivers)
            {
                r.onPieceFailed(PieceStatus.ERROR, reason);
            }
        }
    }
}
