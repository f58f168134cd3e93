package dev.starling.scheduler.swarm;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A fixed-size set of piece indexes over a {@code long[]}, with its cardinality kept up to date.
 * <p>
 * The wire form ({@code PeerPieces.bitmap} in {@code docs/scheduler-protocol.md}) puts piece {@code i} in bit
 * {@code i % 8} of byte {@code i / 8}; a little-endian {@code long} word holds exactly that order, so words are
 * copied to and from buffers as they are. Not thread-safe: owned by the scheduler's agent thread.
 */
public final class PieceBitmap
{
    private long[] words;
    private int bitCount;
    private int cardinality;

    /**
     * @param bitCount number of pieces (0 allowed).
     */
    public PieceBitmap(final int bitCount)
    {
        words = new long[wordCount(bitCount)];
        this.bitCount = bitCount;
    }

    /**
     * Clears every bit and resizes to {@code bitCount}; reuses the words when they are large enough.
     *
     * @param bitCount the new number of pieces.
     */
    public void reset(final int bitCount)
    {
        final int needed = wordCount(bitCount);
        if (needed > words.length)
        {
            words = new long[needed];
        }
        else
        {
            Arrays.fill(words, 0L);
        }
        this.bitCount = bitCount;
        cardinality = 0;
    }

    /**
     * Clears every bit; the size stays.
     */
    public void clear()
    {
        Arrays.fill(words, 0L);
        cardinality = 0;
    }

    /**
     * @return number of pieces this bitmap covers.
     */
    public int bitCount()
    {
        return bitCount;
    }

    /**
     * @return number of bytes of the wire form: {@code ceil(bitCount / 8)}.
     */
    public int byteLength()
    {
        return (bitCount + 7) >>> 3;
    }

    /**
     * @return number of set bits.
     */
    public int cardinality()
    {
        return cardinality;
    }

    /**
     * @return true when every piece is set (and there is at least one piece).
     */
    public boolean isFull()
    {
        return bitCount > 0 && cardinality == bitCount;
    }

    /**
     * @param index piece index.
     * @return true when set; false for an index out of range.
     */
    public boolean get(final int index)
    {
        return index >= 0 && index < bitCount && (words[index >>> 6] & (1L << index)) != 0;
    }

    /**
     * @param index piece index in {@code [0, bitCount)}.
     * @return true when the bit was clear before; false when it was set already or the index is out of range.
     */
    public boolean set(final int index)
    {
        if (index < 0 || index >= bitCount)
        {
            return false;
        }
        final int w = index >>> 6;
        final long mask = 1L << index;
        final long word = words[w];
        if ((word & mask) != 0)
        {
            return false;
        }
        words[w] = word | mask;
        cardinality++;
        return true;
    }

    /**
     * @param index piece index.
     * @return true when the bit was set before.
     */
    public boolean clear(final int index)
    {
        if (!get(index))
        {
            return false;
        }
        words[index >>> 6] &= ~(1L << index);
        cardinality--;
        return true;
    }

    /**
     * @param from first index to look at.
     * @return the first clear index at or after {@code from}, or -1 when none is clear.
     */
    public int nextClearBit(final int from)
    {
        if (from < 0 || from >= bitCount)
        {
            return -1;
        }
        int w = from >>> 6;
        long word = ~words[w] & (-1L << from);
        while (true)
        {
            if (word != 0)
            {
                final int index = (w << 6) + Long.numberOfTrailingZeros(word);
                return index < bitCount ? index : -1;
            }
            if (++w >= wordCount(bitCount))
            {
                return -1;
            }
            word = ~words[w];
        }
    }

    /**
     * @param from first index to look at.
     * @return the first set index at or after {@code from}, or -1 when none is set.
     */
    public int nextSetBit(final int from)
    {
        if (from < 0 || from >= bitCount)
        {
            return -1;
        }
        int w = from >>> 6;
        long word = words[w] & (-1L << from);
        while (true)
        {
            if (word != 0)
            {
                return (w << 6) + Long.numberOfTrailingZeros(word);
            }
            if (++w >= wordCount(bitCount))
            {
                return -1;
            }
            word = words[w];
        }
    }

    /**
     * @param other a bitmap (of any size; bits beyond it count as clear).
     * @return how many pieces this bitmap has that {@code other} lacks.
     */
    public int countAndNot(final PieceBitmap other)
    {
        final long[] mine = words;
        final long[] theirs = other.words;
        final int n = wordCount(bitCount);
        final int shared = Math.min(n, wordCount(other.bitCount));
        int count = 0;
        for (int i = 0; i < shared; i++)
        {
            count += Long.bitCount(mine[i] & ~theirs[i]);
        }
        for (int i = shared; i < n; i++)
        {
            count += Long.bitCount(mine[i]);
        }
        return count;
    }

    /**
     * Writes the wire form.
     *
     * @param buffer destination; the caller retains it.
     * @param offset where the first byte goes.
     * @return bytes written ({@link #byteLength()}).
     */
    public int copyTo(final MutableDirectBuffer buffer, final int offset)
    {
        final int length = byteLength();
        final int fullWords = length >>> 3;
        for (int i = 0; i < fullWords; i++)
        {
            buffer.putLong(offset + (i << 3), words[i], ByteOrder.LITTLE_ENDIAN);
        }
        for (int b = fullWords << 3; b < length; b++)
        {
            buffer.putByte(offset + b, (byte)(words[b >>> 3] >>> ((b & 7) << 3)));
        }
        return length;
    }

    /**
     * Replaces the bits with the wire form read from a buffer; bits beyond {@link #bitCount()} are ignored.
     *
     * @param buffer source; the caller retains it.
     * @param offset where the first byte is.
     * @param length bytes to read (fewer than {@link #byteLength()}: the rest are clear).
     */
    public void copyFrom(final DirectBuffer buffer, final int offset, final int length)
    {
        Arrays.fill(words, 0L);
        final int usable = Math.min(length, byteLength());
        for (int b = 0; b < usable; b++)
        {
            words[b >>> 3] |= (buffer.getByte(offset + b) & 0xFFL) << ((b & 7) << 3);
        }
        final int tail = bitCount & 63;
        final int last = wordCount(bitCount) - 1;
        if (tail != 0 && last >= 0)
        {
            words[last] &= (1L << tail) - 1;
        }
        int count = 0;
        for (int i = 0; i <= last; i++)
        {
            count += Long.bitCount(words[i]);
        }
        cardinality = count;
    }

    private static int wordCount(final int bitCount)
    {
        return (bitCount + 63) >>> 6;
    }

    @Override
    public String toString()
    {
        return "PieceBitmap{" + cardinality + "/" + bitCount + "}";
    }
}
