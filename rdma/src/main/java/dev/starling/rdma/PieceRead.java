package dev.starling.rdma;

import dev.starling.dataplane.transport.PieceReceiver;

/**
 * A piece a server described for a remote read: where it lies in the server's memory, who gets it, how far the
 * reads have come. Reused through the connection's spares; confined to the connection's event loop.
 */
final class PieceRead
{
    final byte[] digest = new byte[32];
    PieceReceiver receiver;
    int pieceIndex;
    long remoteAddress;
    int rkey;
    int length;
    int lease;
    int offset;

    void clear()
    {
        receiver = null;
        offset = 0;
    }
}
