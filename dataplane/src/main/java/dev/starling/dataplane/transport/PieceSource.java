package dev.starling.dataplane.transport;

/**
 * What a piece server serves: finished pieces of tasks this node holds, and nothing else. Called on the server's
 * I/O threads, so a lookup must not block.
 */
public interface PieceSource
{
    /**
     * Finds a piece.
     *
     * @param taskId     32-byte task id; caller retains, valid only during the call.
     * @param pieceIndex piece.
     * @param region     filled in when the piece is available; caller retains.
     * @return {@link PieceStatus#OK} with {@code region} filled in, or why not.
     */
    PieceStatus lookup(byte[] taskId, int pieceIndex, PieceRegion region);
}
