package dev.starling.dataplane.task;

/**
 * How a task's content is cut into pieces: fixed-size pieces, the last one shorter.
 * <p>
 * The default piece length aims at about {@link #TARGET_PIECE_COUNT} pieces, rounded up to a power of two and
 * clamped to [{@link #MIN_PIECE_LENGTH}, {@link #MAX_PIECE_LENGTH}]. Immutable.
 */
public final class PieceLayout
{
    /** Smallest default piece length: 4 MiB. */
    public static final int MIN_PIECE_LENGTH = 4 * 1024 * 1024;
    /** Largest default piece length: 64 MiB. */
    public static final int MAX_PIECE_LENGTH = 64 * 1024 * 1024;
    /** The piece count the default length aims at. */
    public static final int TARGET_PIECE_COUNT = 500;
    /** Smallest piece length accepted as an override (keeps the piece count of big files bounded). */
    public static final int MIN_OVERRIDE_PIECE_LENGTH = 64 * 1024;
    /** Largest piece length accepted as an override: 1 GiB. */
    public static final int MAX_OVERRIDE_PIECE_LENGTH = 1 << 30;
    /**
     * Most pieces a task may have: bounds the index record (2 MiB at this count), which must fit one
     * Chronicle Map entry. With the default piece length this allows content up to 4 TiB.
     */
    public static final int MAX_PIECE_COUNT = 65_536;

    private final long contentLengthBytes;
    private final int pieceLengthBytes;
    private final int pieceCount;

    private PieceLayout(final long contentLengthBytes, final int pieceLengthBytes)
    {
        this.contentLengthBytes = contentLengthBytes;
        this.pieceLengthBytes = pieceLengthBytes;
        final long count = contentLengthBytes / pieceLengthBytes + (contentLengthBytes % pieceLengthBytes == 0 ? 0 : 1);
        if (count > MAX_PIECE_COUNT)
        {
            throw new IllegalArgumentException(contentLengthBytes + " bytes in pieces of " + pieceLengthBytes +
                " make " + count + " pieces, more than the " + MAX_PIECE_COUNT + " a task may have");
        }
        this.pieceCount = (int)count;
    }

    /**
     * @param contentLengthBytes content length, at least 0.
     * @return the layout with the default piece length for that content length.
     */
    public static PieceLayout forContent(final long contentLengthBytes)
    {
        return new PieceLayout(requireLength(contentLengthBytes), defaultPieceLength(contentLengthBytes));
    }

    /**
     * @param contentLengthBytes content length, at least 0.
     * @param pieceLengthBytes   piece length: a power of two within the override bounds.
     * @return the layout.
     */
    public static PieceLayout of(final long contentLengthBytes, final int pieceLengthBytes)
    {
        if (pieceLengthBytes < MIN_OVERRIDE_PIECE_LENGTH || pieceLengthBytes > MAX_OVERRIDE_PIECE_LENGTH ||
            Integer.bitCount(pieceLengthBytes) != 1)
        {
            throw new IllegalArgumentException("piece length must be a power of two between " +
                MIN_OVERRIDE_PIECE_LENGTH + " and " + MAX_OVERRIDE_PIECE_LENGTH + " bytes: " + pieceLengthBytes);
        }
        return new PieceLayout(requireLength(contentLengthBytes), pieceLengthBytes);
    }

    /**
     * @param contentLengthBytes content length.
     * @return about content/500, rounded up to a power of two, clamped to [4 MiB, 64 MiB].
     */
    public static int defaultPieceLength(final long contentLengthBytes)
    {
        final long ideal = Math.max(1, contentLengthBytes / TARGET_PIECE_COUNT);
        final long pow2 = Long.highestOneBit(ideal) == ideal ? ideal : Long.highestOneBit(ideal) << 1;
        return (int)Math.min(MAX_PIECE_LENGTH, Math.max(MIN_PIECE_LENGTH, pow2));
    }

    private static long requireLength(final long contentLengthBytes)
    {
        if (contentLengthBytes < 0)
        {
            throw new IllegalArgumentException("content length must be >= 0: " + contentLengthBytes);
        }
        return contentLengthBytes;
    }

    /**
     * @return content length in bytes.
     */
    public long contentLengthBytes()
    {
        return contentLengthBytes;
    }

    /**
     * @return length of every piece but the last, in bytes.
     */
    public int pieceLengthBytes()
    {
        return pieceLengthBytes;
    }

    /**
     * @return number of pieces; 0 for empty content.
     */
    public int pieceCount()
    {
        return pieceCount;
    }

    /**
     * @param pieceIndex piece index.
     * @return offset of the piece's first byte in the content.
     */
    public long pieceOffset(final int pieceIndex)
    {
        return (long)pieceIndex * pieceLengthBytes;
    }

    /**
     * @param pieceIndex piece index.
     * @return the piece's length in bytes (the last piece may be shorter).
     */
    public int pieceLength(final int pieceIndex)
    {
        if (pieceIndex < 0 || pieceIndex >= pieceCount)
        {
            throw new IndexOutOfBoundsException("piece " + pieceIndex + " of " + pieceCount);
        }
        return (int)Math.min(pieceLengthBytes, contentLengthBytes - pieceOffset(pieceIndex));
    }

    /**
     * @param contentOffset offset in the content.
     * @return index of the piece holding that byte.
     */
    public int pieceAt(final long contentOffset)
    {
        return (int)(contentOffset / pieceLengthBytes);
    }

    @Override
    public String toString()
    {
        return "PieceLayout{length=" + contentLengthBytes + ", pieceLength=" + pieceLengthBytes +
            ", pieces=" + pieceCount + '}';
    }
}
