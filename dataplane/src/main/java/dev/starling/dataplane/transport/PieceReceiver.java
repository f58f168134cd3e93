package dev.starling.dataplane.transport;

import java.nio.ByteBuffer;

/**
 * Receives one requested piece, on the connection's I/O thread. Exactly one of {@link #onPieceEnd} or
 * {@link #onPieceFailed} ends each request.
 */
public interface PieceReceiver
{
    /**
     * The piece starts; its bytes follow through {@link #onPieceData}.
     *
     * @param pieceIndex  piece.
     * @param length      bytes that follow.
     * @param digest      the sender's sha256 of the piece; caller retains, valid only during the call.
     */
    void onPieceStart(int pieceIndex, int length, byte[] digest);

    /**
     * The next bytes of the piece, in order. Caller retains {@code data}; valid only during the call.
     *
     * @param data piece bytes.
     */
    void onPieceData(ByteBuffer data);

    /**
     * Every byte of the piece arrived.
     */
    void onPieceEnd();

    /**
     * The piece will not arrive: the peer answered with a status other than OK, or the connection failed.
     *
     * @param status the peer's status, or {@link PieceStatus#ERROR} for a broken connection or frame.
     * @param reason what happened, for logs and errors.
     */
    void onPieceFailed(PieceStatus status, String reason);
}
