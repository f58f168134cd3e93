package dev.starling.dataplane.download;

import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PieceSelectorTest
{
    private static final long PARENT = 42;

    private final BitSet finished = new BitSet();
    private final long[] parentOut = new long[1];

    private static PieceSelector selector(final int pieces, final int... holders)
    {
        final PieceSelector s = new PieceSelector(pieces, 2, 7);
        for (int i = 0; i < pieces; i++)
        {
            s.holders()[i] = holders[i];
            s.trust(i);
        }
        return s;
    }

    private int next(final PieceSelector s)
    {
        return s.next(finished::get, piece -> PARENT, parentOut);
    }

    @Test
    void shouldKeepTheFrontOfTheFileFlowingBeforeRarity()
    {
        final PieceSelector s = selector(6, 3, 3, 1, 1, 1, 1);
        assertEquals(0, next(s));
        assertEquals(PARENT, parentOut[0]);
        s.markRequested(0);
        assertEquals(1, next(s), "the second of the first two missing pieces comes next, though common");
    }

    @Test
    void shouldTakeTheRarestPieceWhenNoParentHoldsTheFront()
    {
        final PieceSelector s = selector(7, 3, 3, 0, 0, 2, 1, 1);
        s.markRequested(0);
        s.markRequested(1);
        final int piece = next(s);
        assertTrue(piece == 5 || piece == 6, "pieces 2 and 3 are held by nobody: one held by the fewest parents, " +
            "not " + piece);
    }

    @Test
    void shouldSkipFinishedRequestedUntrustedAndUnheldPieces()
    {
        final PieceSelector s = new PieceSelector(5, 2, 7);
        s.holders()[0] = 1;
        s.holders()[1] = 1;
        s.holders()[3] = 1;
        s.holders()[4] = 2;
        s.trust(0);
        s.trust(1);
        s.trust(4);
        finished.set(0);
        s.markRequested(1);
        assertEquals(4, next(s), "piece 2 has no holder, piece 3 no trusted digest yet");
        s.markRequested(4);
        assertEquals(-1, next(s));
        s.clearRequested(1);
        assertEquals(1, next(s));
    }

    @Test
    void shouldBreakTiesBetweenTheRarestPiecesDifferentlyForEachPeer()
    {
        final Set<Integer> firstPicks = new HashSet<>();
        for (long peer = 1; peer <= 16; peer++)
        {
            final PieceSelector s = new PieceSelector(64, 0, peer * 0x5DEECE66DL);
            for (int i = 0; i < 64; i++)
            {
                s.holders()[i] = 1;
                s.trust(i);
            }
            firstPicks.add(next(s));
        }
        assertTrue(firstPicks.size() >= 8, "peers that start with the same view must ask for different pieces: " +
            firstPicks);
    }

    @Test
    void shouldTakeEveryPieceOnceWithoutAFrontWindow()
    {
        final PieceSelector s = new PieceSelector(40, 0, 99);
        for (int i = 0; i < 40; i++)
        {
            s.holders()[i] = 1 + (i % 3);
            s.trust(i);
        }
        final BitSet taken = new BitSet();
        int lastHolders = 0;
        for (int i = 0; i < 40; i++)
        {
            final int p = next(s);
            assertTrue(p >= 0 && !taken.get(p), "piece " + p + " twice or none");
            assertTrue(s.holders()[p] >= lastHolders, "rarest first: " + p);
            lastHolders = s.holders()[p];
            taken.set(p);
            s.markRequested(p);
        }
        assertEquals(-1, next(s));
        assertTrue(taken.nextClearBit(0) == 40);
    }

    @Test
    void shouldLeaveAPieceWhenNoParentCanGiveItNow()
    {
        final PieceSelector s = selector(3, 1, 1, 1);
        assertEquals(1, s.next(finished::get, piece -> piece == 0 ? 0 : PARENT, parentOut));
        assertEquals(-1, s.next(finished::get, piece -> 0, parentOut));
    }
}
