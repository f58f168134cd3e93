package dev.starling.dataplane.transport;

import java.net.InetSocketAddress;

/**
 * A long-lived connection to one peer, carrying several piece requests at once. Thread-safe: requests may be made
 * from any thread; receivers are called on the connection's I/O thread.
 */
public interface PeerConnection extends AutoCloseable
{
    /**
     * Asks the peer for a piece.
     *
     * @param taskId     32-byte task id; caller retains (copied before the call returns).
     * @param pieceIndex piece.
     * @param receiver   gets the piece or the failure; caller retains.
     */
    void requestPiece(byte[] taskId, int pieceIndex, PieceReceiver receiver);

    /**
     * @return the peer's address.
     */
    InetSocketAddress remoteAddress();

    /**
     * @return true while the connection is open.
     */
    boolean isOpen();

    /**
     * Closes the connection; requests still in flight fail with {@link PieceStatus#ERROR}.
     */
    @Override
    void close();
}
