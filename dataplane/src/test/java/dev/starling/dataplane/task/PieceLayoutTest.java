package dev.starling.dataplane.task;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PieceLayoutTest
{
    private static final int MIB = 1024 * 1024;
    private static final long GIB = 1024L * MIB;

    @Test
    void shouldAimAtAbout500PiecesWithPowerOfTwoLength()
    {
        final PieceLayout layout = PieceLayout.forContent(500L * 8 * MIB);

        assertEquals(8 * MIB, layout.pieceLengthBytes());
        assertEquals(500, layout.pieceCount());
    }

    @Test
    void shouldRoundPieceLengthUpToPowerOfTwo()
    {
        final PieceLayout layout = PieceLayout.forContent(3 * GIB);

        assertEquals(8 * MIB, layout.pieceLengthBytes());
        assertEquals(384, layout.pieceCount());
        assertEquals(1, Integer.bitCount(layout.pieceLengthBytes()));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 4 * MIB, 100 * MIB, 2 * GIB + 12345, 16 * GIB, 31 * GIB + 1, 200 * GIB, 4096 * GIB})
    void shouldKeepDefaultPieceLengthAPowerOfTwoWithin4And64MiB(final long contentLength)
    {
        final int pieceLength = PieceLayout.defaultPieceLength(contentLength);

        assertEquals(1, Integer.bitCount(pieceLength));
        assertTrue(pieceLength >= PieceLayout.MIN_PIECE_LENGTH, "piece length " + pieceLength);
        assertTrue(pieceLength <= PieceLayout.MAX_PIECE_LENGTH, "piece length " + pieceLength);
    }

    @Test
    void shouldUseMinimumPieceLengthForSmallContent()
    {
        assertEquals(4 * MIB, PieceLayout.defaultPieceLength(1));
        assertEquals(4 * MIB, PieceLayout.defaultPieceLength(500L * 4 * MIB));
        assertEquals(3, PieceLayout.forContent(10 * MIB).pieceCount());
    }

    @Test
    void shouldUseMaximumPieceLengthForHugeContent()
    {
        final PieceLayout layout = PieceLayout.forContent(1024 * GIB);

        assertEquals(64 * MIB, layout.pieceLengthBytes());
        assertEquals(16384, layout.pieceCount());
    }

    @Test
    void shouldMakeLastPieceShorter()
    {
        final PieceLayout layout = PieceLayout.of(10L * 65536 + 123, 65536);

        assertEquals(11, layout.pieceCount());
        assertEquals(65536, layout.pieceLength(0));
        assertEquals(65536, layout.pieceLength(9));
        assertEquals(123, layout.pieceLength(10));
        assertEquals(10L * 65536, layout.pieceOffset(10));
    }

    @Test
    void shouldMakeLastPieceFullWhenContentIsAMultiple()
    {
        final PieceLayout layout = PieceLayout.of(4L * 65536, 65536);

        assertEquals(4, layout.pieceCount());
        assertEquals(65536, layout.pieceLength(3));
    }

    @Test
    void shouldHaveNoPiecesForEmptyContent()
    {
        assertEquals(0, PieceLayout.forContent(0).pieceCount());
        assertEquals(0, PieceLayout.of(0, 65536).pieceCount());
        assertThrows(IndexOutOfBoundsException.class, () -> PieceLayout.forContent(0).pieceLength(0));
    }

    @Test
    void shouldHaveOnePieceForOneByte()
    {
        final PieceLayout layout = PieceLayout.forContent(1);

        assertEquals(1, layout.pieceCount());
        assertEquals(1, layout.pieceLength(0));
    }

    @Test
    void shouldRejectPieceIndexOutOfRange()
    {
        final PieceLayout layout = PieceLayout.of(3L * 65536, 65536);

        assertThrows(IndexOutOfBoundsException.class, () -> layout.pieceLength(3));
        assertThrows(IndexOutOfBoundsException.class, () -> layout.pieceLength(-1));
    }

    @Test
    void shouldComputeOffsetsBeyond4GiBInLong()
    {
        final PieceLayout layout = PieceLayout.of(10 * GIB + 7, 64 * MIB);

        assertEquals(161, layout.pieceCount());
        assertEquals(100L * 64 * MIB, layout.pieceOffset(100));
        assertEquals(160L * 64 * MIB, layout.pieceOffset(160));
        assertEquals(7, layout.pieceLength(160));
        assertEquals(160, layout.pieceAt(10 * GIB + 6));
        assertEquals(100, layout.pieceAt(100L * 64 * MIB));
        assertEquals(99, layout.pieceAt(100L * 64 * MIB - 1));
    }

    @Test
    void shouldComputeOffsetsBeyond4GiBWithSmallPieces()
    {
        final PieceLayout layout = PieceLayout.of(5 * GIB, 128 * 1024);

        assertEquals(40960, layout.pieceCount());
        assertEquals(40959L * 131072, layout.pieceOffset(40959));
        assertEquals(131072, layout.pieceLength(40959));
        assertEquals(40959, layout.pieceAt(5 * GIB - 1));
    }

    @Test
    void shouldRejectMorePiecesThanATaskMayHave()
    {
        assertEquals(PieceLayout.MAX_PIECE_COUNT, PieceLayout.of(4 * GIB, 65536).pieceCount());
        assertThrows(IllegalArgumentException.class, () -> PieceLayout.of(4 * GIB + 1, 65536));
        assertEquals(PieceLayout.MAX_PIECE_COUNT, PieceLayout.forContent(4096 * GIB).pieceCount());
        assertThrows(IllegalArgumentException.class, () -> PieceLayout.forContent(4096 * GIB + 1));
    }

    @ParameterizedTest
    @ValueSource(ints = {65536, 131072, 4 * MIB, 1 << 30})
    void shouldAcceptPowerOfTwoOverrideWithinBounds(final int pieceLength)
    {
        assertEquals(pieceLength, PieceLayout.of(GIB, pieceLength).pieceLengthBytes());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -65536, 32768, 65535, 65537, 3 * MIB, 100_000, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void shouldRejectOverrideThatIsNotAPowerOfTwoWithinBounds(final int pieceLength)
    {
        assertThrows(IllegalArgumentException.class, () -> PieceLayout.of(GIB, pieceLength));
    }

    @Test
    void shouldRejectNegativeContentLength()
    {
        assertThrows(IllegalArgumentException.class, () -> PieceLayout.forContent(-1));
        assertThrows(IllegalArgumentException.class, () -> PieceLayout.of(-1, 65536));
    }

    @Test
    void shouldRejectLayoutWithMorePiecesThanAnIntCanCount()
    {
        assertThrows(IllegalArgumentException.class, () -> PieceLayout.of(Long.MAX_VALUE, 65536));
    }
}
