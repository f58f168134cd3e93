package dev.starling.dataplane.download;

import org.junit.jupiter.api.Test;

import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PieceSelectorTest
{
    private static final long PARENT = 42;

    private final BitSet finished = new BitSet();
    private final long[] parentOut = new long[1];

    private static PieceSelector selector(final int pieces, final int... holders)
    {
        final PieceSelector s = new PieceSelector(pieces, 2);
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
        assertEquals(5, next(s), "pieces 2 and 3 are held by nobody: the first piece held by the fewest parents");
    }

    @Test
    void shouldSkipFinishedRequestedUntrustedAndUnheldPieces()
    {
        final PieceSelector s = new PieceSelector(5, 2);
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
    void shouldLeaveAPieceWhenNoParentCanGiveItNow()
    {
        final PieceSelector s = selector(3, 1, 1, 1);
        assertEquals(1, s.next(finished::get, piece -> piece == 0 ? 0 : PARENT, parentOut));
        assertEquals(-1, s.next(finished::get, piece -> 0, parentOut));
    }
}
