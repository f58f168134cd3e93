package dev.starling.dataplane.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

import java.util.concurrent.CompletableFuture;

/**
 * The client's half of the remote-read extension of the piece protocol ({@code docs/rdma.md}): a transport that
 * can read a piece straight out of the server's memory (RDMA) offers it on each TCP piece connection, which stays
 * the control path. The client handler routes the HELLO_ACK and the responses that carry a remote-read descriptor
 * to it; everything else (a server without the extension, a piece it answers in-band) goes on as plain TCP.
 */
public interface RemoteReadClient
{
    /**
     * A piece connection opened. Called on the connection's event loop; the session sends its HELLO.
     *
     * @param channel the connection, active.
     * @return the connection's session.
     */
    Session openClient(Channel channel);

    /**
     * One connection's remote reads. Confined to the connection's event loop unless a method says otherwise.
     */
    interface Session
    {
        /**
         * Called on the event loop as each request goes out.
         *
         * @return true when the request should ask for a remote read.
         */
        boolean ready();

        /**
         * Any thread.
         *
         * @return completes once the session knows whether it will read remotely (never exceptionally); the
         *         connection is handed to its user after that.
         */
        CompletableFuture<Void> settled();

        /**
         * The server answered the HELLO.
         *
         * @param in         holds the frame; caller retains, valid only during the call.
         * @param bodyOffset where the HELLO_ACK body starts.
         */
        void onHelloAck(ByteBuf in, int bodyOffset);

        /**
         * The server answered a request with a descriptor. The session reads the piece and ends the request
         * through the receiver, on this connection's event loop.
         *
         * @param receiver   the request's receiver; ownership transfers.
         * @param pieceIndex piece.
         * @param digest     the server's digest of the piece; caller retains, valid only during the call.
         * @param in         holds the descriptor; caller retains, valid only during the call.
         * @param offset     where the descriptor starts in {@code in}.
         */
        void onDescriptor(PieceReceiver receiver, int pieceIndex, byte[] digest, ByteBuf in, int offset);

        /**
         * The connection closed or failed: every remote read in flight fails with {@link PieceStatus#ERROR}.
         *
         * @param reason what happened.
         */
        void close(String reason);
    }
}
