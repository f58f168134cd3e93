package dev.starling.dataplane.download;

import java.util.function.IntPredicate;

/**
 * Which piece a free request slot of a swarm download asks for next, among the pieces some parent can give now.
 * <p>
 * For a streaming reader (a registry client, a model loader behind a front end) the first {@code frontWindow}
 * missing pieces not yet requested come first, in order, whenever a parent holds them, so the reader is never
 * starved; a plain download uses no front window. Otherwise the piece the fewest parents hold comes next (rarest
 * first), ties broken at random: peers that start together with the same view (only the seed holds anything) then
 * ask for different pieces and soon have something to give each other, instead of all asking the seed for the same
 * pieces in the same order. Only pieces whose digest the scheduler vouched for, that are not finished and not
 * already requested, are candidates.
 * <p>
 * Owned by the download's coordinator: single-threaded, allocation-free.
 */
final class PieceSelector
{
    /** Finds the parent to ask for a piece. */
    @FunctionalInterface
    interface Parents
    {
        /**
         * @param piece the piece.
         * @return the peer id of a usable parent with a free slot that holds it, or 0 when there is none now.
         */
        long parentFor(int piece);
    }

    private final int pieceCount;
    private final int frontWindow;
    private final int[] holders;
    private final long[] trusted;
    private final long[] requested;
    private int firstMissing;
    private long random;

    /**
     * @param pieceCount  pieces of the task.
     * @param frontWindow how many of the first missing pieces go ahead of rarity (0 for none).
     * @param seed        seeds the tie-breaking (this peer's id: peers break ties differently).
     */
    PieceSelector(final int pieceCount, final int frontWindow, final long seed)
    {
        this.pieceCount = pieceCount;
        this.frontWindow = frontWindow;
        this.random = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
        this.holders = new int[pieceCount];
        this.trusted = new long[(pieceCount + 63) >>> 6];
        this.requested = new long[(pieceCount + 63) >>> 6];
    }

    /**
     * @return how many known parents hold each piece; the download's parents count themselves in and out.
     */
    int[] holders()
    {
        return holders;
    }

    void trust(final int piece)
    {
        trusted[piece >>> 6] |= 1L << piece;
    }

    boolean isTrusted(final int piece)
    {
        return (trusted[piece >>> 6] & (1L << piece)) != 0;
    }

    void markRequested(final int piece)
    {
        requested[piece >>> 6] |= 1L << piece;
    }

    void clearRequested(final int piece)
    {
        requested[piece >>> 6] &= ~(1L << piece);
    }

    boolean isRequested(final int piece)
    {
        return (requested[piece >>> 6] & (1L << piece)) != 0;
    }

    /**
     * @param finished  whether a piece is already in the store.
     * @param parents   finds a parent for a piece.
     * @param parentOut receives the chosen parent's peer id in {@code [0]}.
     * @return the piece to ask a parent for, or -1 when no parent can give a wanted piece now.
     */
    int next(final IntPredicate finished, final Parents parents, final long[] parentOut)
    {
        while (firstMissing < pieceCount && finished.test(firstMissing))
        {
            firstMissing++;
        }
        int scanned = 0;
        for (int p = firstMissing; p < pieceCount && scanned < frontWindow; p++)
        {
            if (finished.test(p) || isRequested(p))
            {
                continue;
            }
            scanned++;
            if (holders[p] > 0 && isTrusted(p))
            {
                final long parent = parents.parentFor(p);
                if (parent != 0)
                {
                    parentOut[0] = parent;
                    return p;
                }
            }
        }
        // Rarest first; the scan starts at a random piece, so that ties go to a random one of the rarest.
        final int span = pieceCount - firstMissing;
        if (span <= 0)
        {
            return -1;
        }
        final int start = (int)Long.remainderUnsigned(nextRandom(), span);
        int best = -1;
        int bestHolders = Integer.MAX_VALUE;
        for (int i = 0; i < span; i++)
        {
            int p = firstMissing + start + i;
            if (p >= pieceCount)
            {
                p -= span;
            }
            final int h = holders[p];
            if (h == 0 || h >= bestHolders || isRequested(p) || !isTrusted(p) || finished.test(p))
            {
                continue;
            }
            final long parent = parents.parentFor(p);
            if (parent != 0)
            {
                best = p;
                bestHolders = h;
                parentOut[0] = parent;
                if (h == 1)
                {
                    break;
                }
            }
        }
        return best;
    }

    /** xorshift64: cheap, allocation-free, good enough to break ties. */
    private long nextRandom()
    {
        long x = random;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        random = x;
        return x;
    }
}
