package dev.starling.dataplane.transport.tcp;

import dev.starling.dataplane.transport.PeerConnection;
import dev.starling.dataplane.transport.PieceProtocol;
import dev.starling.dataplane.transport.PieceReceiver;
import dev.starling.dataplane.transport.PieceStatus;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

import java.net.InetSocketAddress;

/**
 * A TCP connection to one peer's piece server. Requests from the connection's own event loop go straight out;
 * others hop onto it.
 */
final class TcpPeerConnection implements PeerConnection
{
    private static final int REQUEST_FRAME_LENGTH = PieceProtocol.HEADER_LENGTH + PieceProtocol.REQUEST_BODY_LENGTH;

    private final Channel channel;
    private final PieceClientHandler handler;
    private final InetSocketAddress remote;
    private int nextRequestId;

    TcpPeerConnection(final Channel channel, final PieceClientHandler handler, final InetSocketAddress remote)
    {
        this.channel = channel;
        this.handler = handler;
        this.remote = remote;
    }

    @Override
    public void requestPiece(final byte[] taskId, final int pieceIndex, final PieceReceiver receiver)
    {
        if (channel.eventLoop().inEventLoop())
        {
            send(taskId, pieceIndex, receiver);
        }
        else
        {
            final byte[] id = taskId.clone();
            channel.eventLoop().execute(() -> send(id, pieceIndex, receiver));
        }
    }

    private void send(final byte[] taskId, final int pieceIndex, final PieceReceiver receiver)
    {
        if (!channel.isActive())
        {
            receiver.onPieceFailed(PieceStatus.ERROR, "connection to " + remote + " is closed");
            return;
        }
        final int requestId = nextRequestId++;
        handler.register(requestId, receiver);
        final ByteBuf frame = channel.alloc().directBuffer(REQUEST_FRAME_LENGTH);
        PieceProtocol.writeRequest(frame, requestId, taskId, pieceIndex);
        channel.writeAndFlush(frame, channel.voidPromise());
    }

    @Override
    public InetSocketAddress remoteAddress()
    {
        return remote;
    }

    @Override
    public boolean isOpen()
    {
        return channel.isActive();
    }

    @Override
    public void close()
    {
        channel.close().syncUninterruptibly();
    }
}
