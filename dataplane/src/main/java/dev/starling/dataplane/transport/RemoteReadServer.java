package dev.starling.dataplane.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * The server's half of the remote-read extension of the piece protocol ({@code docs/rdma.md}): a transport that
 * can let a client read a piece straight out of this node's memory (RDMA) plugs into the TCP piece server here;
 * the TCP connection stays the control path. The server handler routes HELLO and RELEASE frames and requests that
 * ask for a remote read to it, and answers everything else itself: a piece the extension does not describe goes
 * in-band, so every connection works with or without it.
 */
public interface RemoteReadServer
{
    /**
     * A HELLO arrived on a piece connection. Called on the connection's event loop.
     *
     * @param channel    the connection.
     * @param in         holds the frame; caller retains, valid only during the call.
     * @param bodyOffset where the HELLO body starts in {@code in}.
     * @param ack        where to write the whole HELLO_ACK frame; caller retains and sends it.
     * @return the connection's session (remote reads may follow), or null when the ack refused them.
     */
    Session acceptHello(Channel channel, ByteBuf in, int bodyOffset, ByteBuf ack);

    /**
     * One connection's remote reads. Confined to the connection's event loop.
     */
    interface Session
    {
        /**
         * A piece the client asked to read remotely was found.
         *
         * @param requestId  the request's id.
         * @param pieceIndex piece.
         * @param region     where the piece lies; caller retains, valid only during the call.
         * @param out        where to write the whole flagged RESPONSE frame; caller retains.
         * @return true when the response was written; false to answer in-band (nothing written).
         */
        boolean describe(int requestId, int pieceIndex, PieceRegion region, ByteBuf out);

        /**
         * The client has read a piece: its lease ends.
         *
         * @param lease the lease from the descriptor.
         */
        void onRelease(int lease);

        /**
         * The connection closed: end every lease and the remote-read connection.
         */
        void close();
    }
}
