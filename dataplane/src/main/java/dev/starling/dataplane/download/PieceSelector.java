package dev.starling.dataplane.download;

import java.util.function.IntPredicate;

/**
 * Which piece a free request slot of a swarm download asks for next, among the pieces some parent can give now.
 * <p>
 * The first {@code frontWindow} missing pieces not yet requested come first, in order, whenever a parent holds them:
 * a streaming reader (a registry client, a model loader) is never starved, and the whole-content digest, which can
 * only hash the finished prefix, keeps up with the download. Otherwise the piece the fewest parents hold
 * (rarest first, lowest index on ties), so that rare pieces spread before their holders leave. Only pieces whose
 * digest the scheduler vouched for, that are not finished and not already requested, are candidates.
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

    /**
     * @param pieceCount  pieces of the task.
     * @param frontWindow how many of the first missing pieces go ahead of rarity.
     */
    PieceSelector(final int pieceCount, final int frontWindow)
    {
        this.pieceCount = pieceCount;
        this.frontWindow = frontWindow;
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
        int best = -1;
        int bestHolders = Integer.MAX_VALUE;
        for (int p = firstMissing; p < pieceCount; p++)
        {
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
            }
        }
        return best;
    }
}
