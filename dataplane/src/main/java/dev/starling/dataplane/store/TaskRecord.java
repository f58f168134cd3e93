package dev.starling.dataplane.store;

import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceDigest;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Flyweight over one task's index record: a byte array laid out as described in {@code docs/store-format.md}.
 * <p>
 * The record is sized for all of the task's pieces when it is created, so marking a piece finished rewrites bytes
 * in place and never grows it. Not thread-safe: one thread owns a record instance at a time.
 */
public final class TaskRecord
{
    /** Format version written at offset 0. */
    public static final short VERSION = 1;

    static final int VERSION_OFFSET = 0;
    static final int STATE_OFFSET = 2;
    static final int FLAGS_OFFSET = 3;
    static final int PIECE_COUNT_OFFSET = 4;
    static final int CONTENT_LENGTH_OFFSET = 8;
    static final int PIECE_LENGTH_OFFSET = 16;
    static final int FINISHED_COUNT_OFFSET = 20;
    static final int CREATED_OFFSET = 24;
    static final int LAST_ACCESS_OFFSET = 32;
    static final int CONTENT_DIGEST_OFFSET = 40;
    static final int ETAG_LENGTH_OFFSET = 72;
    static final int ETAG_OFFSET = 74;
    /** Longest ETag kept; a longer one is not recorded (the task then cannot detect origin changes by ETag). */
    public static final int MAX_ETAG_LENGTH = 254;
    /** Length of the fixed header; the piece bitmap starts here. */
    public static final int HEADER_LENGTH = 328;

    static final int FLAG_CONTENT_ADDRESSED = 1;
    static final int FLAG_HAS_CONTENT_DIGEST = 2;
    static final int FLAG_PIECE_DIGEST_CRC32C = 4;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
    private byte[] array = new byte[0];

    /**
     * @param pieceCount pieces in the task.
     * @return the record length for that many pieces.
     */
    public static int lengthFor(final int pieceCount)
    {
        return HEADER_LENGTH + bitmapLength(pieceCount) + pieceCount * Digest.SHA256_LENGTH_BYTES;
    }

    private static int bitmapLength(final int pieceCount)
    {
        return ((pieceCount + 63) >>> 6) << 3;
    }

    /**
     * Points this flyweight at {@code bytes}. Caller retains the array; the record reads and writes it in place.
     *
     * @param bytes record bytes.
     * @return this.
     */
    public TaskRecord wrap(final byte[] bytes)
    {
        array = bytes;
        buffer.wrap(bytes);
        return this;
    }

    /**
     * Makes this record a fresh one for a new task, reusing the current array when it has the right length.
     *
     * @param pieceCount         pieces in the task.
     * @param contentLengthBytes content length.
     * @param pieceLengthBytes   piece length.
     * @param contentAddressed   whether the task id is the content's sha256.
     * @param nowEpochMs         creation time.
     * @return this.
     */
    public TaskRecord init(
        final int pieceCount,
        final long contentLengthBytes,
        final int pieceLengthBytes,
        final boolean contentAddressed,
        final long nowEpochMs)
    {
        final int length = lengthFor(pieceCount);
        if (array.length != length)
        {
            wrap(new byte[length]);
        }
        else
        {
            buffer.setMemory(0, length, (byte)0);
        }
        buffer.putShort(VERSION_OFFSET, VERSION, LE);
        buffer.putByte(STATE_OFFSET, (byte)TaskState.DOWNLOADING.ordinal());
        buffer.putByte(FLAGS_OFFSET, (byte)(contentAddressed ? FLAG_CONTENT_ADDRESSED : 0));
        buffer.putInt(PIECE_COUNT_OFFSET, pieceCount, LE);
        buffer.putLong(CONTENT_LENGTH_OFFSET, contentLengthBytes, LE);
        buffer.putInt(PIECE_LENGTH_OFFSET, pieceLengthBytes, LE);
        buffer.putLong(CREATED_OFFSET, nowEpochMs, LE);
        buffer.putLong(LAST_ACCESS_OFFSET, nowEpochMs, LE);
        return this;
    }

    /**
     * @return how this task's pieces are digested.
     */
    public PieceDigest pieceDigest()
    {
        return (buffer.getByte(FLAGS_OFFSET) & FLAG_PIECE_DIGEST_CRC32C) != 0 ? PieceDigest.CRC32C : PieceDigest.SHA256;
    }

    /**
     * @param algorithm how this task's pieces are digested; set on a fresh record only.
     */
    public void pieceDigest(final PieceDigest algorithm)
    {
        final int flags = buffer.getByte(FLAGS_OFFSET) & ~FLAG_PIECE_DIGEST_CRC32C;
        buffer.putByte(FLAGS_OFFSET, (byte)(algorithm == PieceDigest.CRC32C ? flags | FLAG_PIECE_DIGEST_CRC32C : flags));
    }

    /**
     * @return the array backing this record. Caller must not keep it past the next {@link #wrap} or {@link #init}.
     */
    public byte[] array()
    {
        return array;
    }

    /**
     * @return the record's format version.
     */
    public int version()
    {
        return buffer.getShort(VERSION_OFFSET, LE);
    }

    /**
     * @return true when the bytes hold a record this code understands, with a length that matches its piece count.
     */
    public boolean isValid()
    {
        return array.length >= HEADER_LENGTH && version() == VERSION && pieceCount() >= 0 &&
            array.length == lengthFor(pieceCount()) && state() != null;
    }

    /**
     * @return the task's state, or null when the byte is out of range.
     */
    public TaskState state()
    {
        final int s = buffer.getByte(STATE_OFFSET);
        return s >= 0 && s < TaskState.VALUES.length ? TaskState.VALUES[s] : null;
    }

    /**
     * @param state new state.
     */
    public void state(final TaskState state)
    {
        buffer.putByte(STATE_OFFSET, (byte)state.ordinal());
    }

    /**
     * @return true when the task id is the content's sha256.
     */
    public boolean contentAddressed()
    {
        return (buffer.getByte(FLAGS_OFFSET) & FLAG_CONTENT_ADDRESSED) != 0;
    }

    /**
     * @return number of pieces.
     */
    public int pieceCount()
    {
        return buffer.getInt(PIECE_COUNT_OFFSET, LE);
    }

    /**
     * @return content length in bytes.
     */
    public long contentLengthBytes()
    {
        return buffer.getLong(CONTENT_LENGTH_OFFSET, LE);
    }

    /**
     * @return piece length in bytes.
     */
    public int pieceLengthBytes()
    {
        return buffer.getInt(PIECE_LENGTH_OFFSET, LE);
    }

    /**
     * @return number of finished pieces.
     */
    public int finishedCount()
    {
        return buffer.getInt(FINISHED_COUNT_OFFSET, LE);
    }

    /**
     * @return creation time, epoch milliseconds.
     */
    public long createdEpochMs()
    {
        return buffer.getLong(CREATED_OFFSET, LE);
    }

    /**
     * @return last access time, epoch milliseconds (drives LRU eviction).
     */
    public long lastAccessEpochMs()
    {
        return buffer.getLong(LAST_ACCESS_OFFSET, LE);
    }

    /**
     * @param epochMs last access time.
     */
    public void lastAccessEpochMs(final long epochMs)
    {
        buffer.putLong(LAST_ACCESS_OFFSET, epochMs, LE);
    }

    /**
     * @param pieceIndex piece.
     * @return true when the piece's bytes are written and verified.
     */
    public boolean isPieceFinished(final int pieceIndex)
    {
        final long word = buffer.getLong(HEADER_LENGTH + ((pieceIndex >>> 6) << 3), LE);
        return (word & (1L << (pieceIndex & 63))) != 0;
    }

    /**
     * Marks a piece finished and records its digest. Idempotent.
     *
     * @param pieceIndex piece.
     * @param digest     32-byte sha256 of the piece; caller retains.
     * @param digestOffset offset of the digest in {@code digest}.
     */
    public void markPieceFinished(final int pieceIndex, final byte[] digest, final int digestOffset)
    {
        final int wordOffset = HEADER_LENGTH + ((pieceIndex >>> 6) << 3);
        final long word = buffer.getLong(wordOffset, LE);
        final long bit = 1L << (pieceIndex & 63);
        buffer.putBytes(pieceDigestOffset(pieceIndex), digest, digestOffset, Digest.SHA256_LENGTH_BYTES);
        if ((word & bit) == 0)
        {
            buffer.putLong(wordOffset, word | bit, LE);
            buffer.putInt(FINISHED_COUNT_OFFSET, finishedCount() + 1, LE);
        }
    }

    /**
     * Copies a finished piece's digest out.
     *
     * @param pieceIndex piece.
     * @param dst        destination; caller retains.
     * @param dstOffset  where to write the 32 bytes.
     */
    public void pieceDigest(final int pieceIndex, final byte[] dst, final int dstOffset)
    {
        buffer.getBytes(pieceDigestOffset(pieceIndex), dst, dstOffset, Digest.SHA256_LENGTH_BYTES);
    }

    private int pieceDigestOffset(final int pieceIndex)
    {
        return HEADER_LENGTH + bitmapLength(pieceCount()) + pieceIndex * Digest.SHA256_LENGTH_BYTES;
    }

    /**
     * @return the content's sha256 when known, else null.
     */
    public Digest contentDigest()
    {
        if ((buffer.getByte(FLAGS_OFFSET) & FLAG_HAS_CONTENT_DIGEST) == 0)
        {
            return null;
        }
        final byte[] d = new byte[Digest.SHA256_LENGTH_BYTES];
        buffer.getBytes(CONTENT_DIGEST_OFFSET, d);
        return Digest.of(d);
    }

    /**
     * @param digest the content's sha256.
     */
    public void contentDigest(final Digest digest)
    {
        buffer.putBytes(CONTENT_DIGEST_OFFSET, digest.toBytes());
        buffer.putByte(FLAGS_OFFSET, (byte)(buffer.getByte(FLAGS_OFFSET) | FLAG_HAS_CONTENT_DIGEST));
    }

    /**
     * @return the origin's ETag, or null when none was recorded.
     */
    public String etag()
    {
        final int length = buffer.getShort(ETAG_LENGTH_OFFSET, LE);
        return length == 0 ? null : buffer.getStringWithoutLengthUtf8(ETAG_OFFSET, length);
    }

    /**
     * @param etag the origin's ETag; null, or one longer than {@link #MAX_ETAG_LENGTH} bytes, records none.
     */
    public void etag(final String etag)
    {
        final byte[] b = etag == null ? new byte[0] : etag.getBytes(StandardCharsets.UTF_8);
        final int length = b.length > MAX_ETAG_LENGTH ? 0 : b.length;
        buffer.setMemory(ETAG_OFFSET, MAX_ETAG_LENGTH, (byte)0);
        buffer.putBytes(ETAG_OFFSET, b, 0, length);
        buffer.putShort(ETAG_LENGTH_OFFSET, (short)length, LE);
    }
}
