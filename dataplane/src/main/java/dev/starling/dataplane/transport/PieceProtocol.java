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
 *                     (flag REMOTE_READ: the 24-byte remote-read descriptor instead of the piece bytes)
 * HELLO body (8):     extension version u8 | kind u8 | reserved u16 | reads in flight u32
 * HELLO_ACK body (16): extension version u8 | status u8 | port u16 | reserved u32 | token u64
 * RELEASE body (4):   lease u32
 * </pre>
 * The last three and the REMOTE_READ flag are the remote-read extension ({@code docs/rdma.md}): a server without
 * it answers HELLO with {@link #HELLO_UNSUPPORTED} and ignores the flag, so a client that offers remote reads
 * still gets every piece in-band.
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

    /** Frame type: the client offers remote reads on this connection (remote-read extension). */
    public static final int TYPE_HELLO = 3;
    /** Frame type: the server's answer to a HELLO. */
    public static final int TYPE_HELLO_ACK = 4;
    /** Frame type: the client has finished reading a piece it was given a descriptor for. */
    public static final int TYPE_RELEASE = 5;
    /** REQUEST flag: answer with a remote-read descriptor if you can; RESPONSE flag: this is one. */
    public static final int FLAG_REMOTE_READ = 0x1;
    /** HELLO body length. */
    public static final int HELLO_BODY_LENGTH = 8;
    /** HELLO_ACK body length. */
    public static final int HELLO_ACK_BODY_LENGTH = 16;
    /** RELEASE body length. */
    public static final int RELEASE_BODY_LENGTH = 4;
    /** Remote-read descriptor length, after the 40-byte RESPONSE prefix. */
    public static final int DESCRIPTOR_LENGTH = 24;
    /** Version of the remote-read extension's bodies. */
    public static final int EXTENSION_VERSION = 1;
    /** HELLO kind: one-sided RDMA READ through rdma_cm. */
    public static final int HELLO_KIND_RDMA_READ = 1;
    /** HELLO_ACK status: remote reads go ahead; connect to the port with the token. */
    public static final int HELLO_OK = 0;
    /** HELLO_ACK status: this server does not serve remote reads (no provider, no device, another version). */
    public static final int HELLO_UNSUPPORTED = 1;
    /** HELLO_ACK status: it does, but has no room for this connection now. */
    public static final int HELLO_BUSY = 2;

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
        writeRequest(out, requestId, taskId, pieceIndex, 0);
    }

    /**
     * Writes a whole REQUEST frame with flags at the buffer's writer index.
     *
     * @param out        destination; caller retains.
     * @param requestId  request id, echoed in the response.
     * @param taskId     32-byte task id; caller retains.
     * @param pieceIndex piece.
     * @param flags      0 or {@link #FLAG_REMOTE_READ}.
     */
    public static void writeRequest(
        final ByteBuf out, final int requestId, final byte[] taskId, final int pieceIndex, final int flags)
    {
        out.writeByte(VERSION).writeByte(TYPE_REQUEST).writeShort(flags).writeInt(requestId)
            .writeInt(REQUEST_BODY_LENGTH);
        out.writeBytes(taskId, 0, 32).writeInt(pieceIndex);
    }

    /**
     * Writes a whole RESPONSE frame that answers OK with a remote-read descriptor instead of the piece bytes.
     *
     * @param out           destination; caller retains.
     * @param requestId     the request's id.
     * @param pieceIndex    piece.
     * @param digest        the piece's digest (32 bytes); caller retains.
     * @param remoteAddress where the piece starts in the server's registered memory.
     * @param rkey          the registration's remote key.
     * @param pieceLength   piece length.
     * @param lease         what the client names in its RELEASE when it has read the piece.
     */
    public static void writeRemoteReadResponse(
        final ByteBuf out,
        final int requestId,
        final int pieceIndex,
        final byte[] digest,
        final long remoteAddress,
        final int rkey,
        final int pieceLength,
        final int lease)
    {
        out.writeByte(VERSION).writeByte(TYPE_RESPONSE).writeShort(FLAG_REMOTE_READ).writeInt(requestId)
            .writeInt(RESPONSE_PREFIX_LENGTH + DESCRIPTOR_LENGTH);
        out.writeByte(PieceStatus.OK.code()).writeMedium(0).writeInt(pieceIndex).writeBytes(digest, 0, 32);
        out.writeLong(remoteAddress).writeInt(rkey).writeInt(pieceLength).writeInt(lease).writeInt(0);
    }

    /**
     * Writes a whole HELLO frame.
     *
     * @param out           destination; caller retains.
     * @param readsInFlight remote reads the client keeps in flight on the connection.
     */
    public static void writeHello(final ByteBuf out, final int readsInFlight)
    {
        out.writeByte(VERSION).writeByte(TYPE_HELLO).writeShort(0).writeInt(0).writeInt(HELLO_BODY_LENGTH);
        out.writeByte(EXTENSION_VERSION).writeByte(HELLO_KIND_RDMA_READ).writeShort(0).writeInt(readsInFlight);
    }

    /**
     * Writes a whole HELLO_ACK frame.
     *
     * @param out    destination; caller retains.
     * @param status {@link #HELLO_OK}, {@link #HELLO_UNSUPPORTED} or {@link #HELLO_BUSY}.
     * @param port   where the server's rdma_cm listener waits (with {@link #HELLO_OK}), else 0.
     * @param token  what the client sends back as rdma_cm private data, so the server can tie the two together.
     */
    public static void writeHelloAck(final ByteBuf out, final int status, final int port, final long token)
    {
        out.writeByte(VERSION).writeByte(TYPE_HELLO_ACK).writeShort(0).writeInt(0).writeInt(HELLO_ACK_BODY_LENGTH);
        out.writeByte(EXTENSION_VERSION).writeByte(status).writeShort(port).writeInt(0).writeLong(token);
    }

    /**
     * Writes a whole RELEASE frame.
     *
     * @param out   destination; caller retains.
     * @param lease the lease from the descriptor.
     */
    public static void writeRelease(final ByteBuf out, final int lease)
    {
        out.writeByte(VERSION).writeByte(TYPE_RELEASE).writeShort(0).writeInt(0).writeInt(RELEASE_BODY_LENGTH);
        out.writeInt(lease);
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
     * @return the flags.
     */
    public static int flags(final ByteBuf in, final int offset)
    {
        return in.getUnsignedShort(offset + FLAGS_OFFSET);
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
