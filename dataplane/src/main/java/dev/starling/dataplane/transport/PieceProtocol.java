package dev.starling.dataplane.transport;

import io.netty.buffer.ByteBuf;

/**
 * The piece protocol's frame layout (version 1), written and read in place on Netty buffers: no frame objects.
 * The byte layout is specified in {@code docs/piece-protocol.md}. Big-endian (network order).
 *
 * <pre>
 * header (12 bytes): version u8 | type u8 | flags u16 | request id u32 | body length u32
 * REQUEST body (36):  task id [32] | piece index u32
 * RESPONSE body:      status u8 | reserved [3] | piece index u32 | piece sha256 [32] | piece bytes
 * </pre>
 */
public final class PieceProtocol
{
    /** Protocol version written in every frame. */
    public static final int VERSION = 1;
    /** Frame type: a piece request. */
    public static final int TYPE_REQUEST = 1;
    /** Frame type: a piece response. */
    public static final int TYPE_RESPONSE = 2;
    /** Header length. */
    public static final int HEADER_LENGTH = 12;
    /** REQUEST body length. */
    public static final int REQUEST_BODY_LENGTH = 36;
    /** RESPONSE body bytes before the piece bytes. */
    public static final int RESPONSE_PREFIX_LENGTH = 40;
    /** Largest piece a response may carry (the largest piece length a layout allows). */
    public static final int MAX_PIECE_LENGTH = 1 << 30;

    static final int VERSION_OFFSET = 0;
    static final int TYPE_OFFSET = 1;
    static final int FLAGS_OFFSET = 2;
    static final int REQUEST_ID_OFFSET = 4;
    static final int BODY_LENGTH_OFFSET = 8;

    private PieceProtocol()
    {
    }

    /**
     * Writes a whole REQUEST frame at the buffer's writer index.
     *
     * @param out        destination; caller retains.
     * @param requestId  request id, echoed in the response.
     * @param taskId     32-byte task id; caller retains.
     * @param pieceIndex piece.
     */
    public static void writeRequest(final ByteBuf out, final int requestId, final byte[] taskId, final int pieceIndex)
    {
        out.writeByte(VERSION).writeByte(TYPE_REQUEST).writeShort(0).writeInt(requestId).writeInt(REQUEST_BODY_LENGTH);
        out.writeBytes(taskId, 0, 32).writeInt(pieceIndex);
    }

    /**
     * Writes a RESPONSE header and prefix; the piece bytes follow separately (a file region, say).
     *
     * @param out          destination; caller retains.
     * @param requestId    the request's id.
     * @param status       status.
     * @param pieceIndex   piece.
     * @param digest       the piece's sha256 (32 bytes), or null with a non-OK status.
     * @param pieceLength  piece bytes that follow; 0 with a non-OK status.
     */
    public static void writeResponseHead(
        final ByteBuf out,
        final int requestId,
        final PieceStatus status,
        final int pieceIndex,
        final byte[] digest,
        final int pieceLength)
    {
        out.writeByte(VERSION).writeByte(TYPE_RESPONSE).writeShort(0).writeInt(requestId)
            .writeInt(RESPONSE_PREFIX_LENGTH + pieceLength);
        out.writeByte(status.code()).writeMedium(0).writeInt(pieceIndex);
        if (digest != null)
        {
            out.writeBytes(digest, 0, 32);
        }
        else
        {
            out.writeZero(32);
        }
    }

    /**
     * @param in buffer holding a header at {@code offset}.
     * @param offset where the header starts.
     * @return the version byte.
     */
    public static int version(final ByteBuf in, final int offset)
    {
        return in.getUnsignedByte(offset + VERSION_OFFSET);
    }

    /**
     * @param in buffer holding a header at {@code offset}.
     * @param offset where the header starts.
     * @return the frame type.
     */
    public static int type(final ByteBuf in, final int offset)
    {
        return in.getUnsignedByte(offset + TYPE_OFFSET);
    }

    /**
     * @param in buffer holding a header at {@code offset}.
     * @param offset where the header starts.
     * @return the request id.
     */
    public static int requestId(final ByteBuf in, final int offset)
    {
        return in.getInt(offset + REQUEST_ID_OFFSET);
    }

    /**
     * @param in buffer holding a header at {@code offset}.
     * @param offset where the header starts.
     * @return the body length (unsigned, as a long).
     */
    public static long bodyLength(final ByteBuf in, final int offset)
    {
        return in.getUnsignedInt(offset + BODY_LENGTH_OFFSET);
    }
}
