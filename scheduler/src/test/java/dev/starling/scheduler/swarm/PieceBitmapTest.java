package dev.starling.scheduler.swarm;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PieceBitmapTest
{
    @Test
    void shouldSetGetAndCountBits()
    {
        final PieceBitmap bitmap = new PieceBitmap(130);

        assertTrue(bitmap.set(0));
        assertTrue(bitmap.set(64));
        assertTrue(bitmap.set(129));
        assertFalse(bitmap.set(64), "already set");
        assertFalse(bitmap.set(130), "out of range");
        assertFalse(bitmap.set(-1), "out of range");

        assertEquals(3, bitmap.cardinality());
        assertTrue(bitmap.get(129));
        assertFalse(bitmap.get(1));
        assertFalse(bitmap.get(500));
        assertTrue(bitmap.clear(64));
        assertEquals(2, bitmap.cardinality());
    }

    @Test
    void shouldFindNextClearAndSetBits()
    {
        final PieceBitmap bitmap = new PieceBitmap(70);
        for (int i = 0; i < 66; i++)
        {
            bitmap.set(i);
        }

        assertEquals(66, bitmap.nextClearBit(0));
        assertEquals(69, bitmap.nextClearBit(69));
        assertEquals(3, bitmap.nextSetBit(3));
        assertEquals(-1, bitmap.nextSetBit(66));
        bitmap.set(66);
        bitmap.set(67);
        bitmap.set(68);
        bitmap.set(69);
        assertEquals(-1, bitmap.nextClearBit(0));
        assertTrue(bitmap.isFull());
    }

    @Test
    void shouldCountPiecesTheOtherLacks()
    {
        final PieceBitmap parent = new PieceBitmap(200);
        final PieceBitmap child = new PieceBitmap(200);
        for (int i = 0; i < 200; i += 2)
        {
            parent.set(i);
        }
        for (int i = 0; i < 100; i++)
        {
            child.set(i);
        }

        assertEquals(50, parent.countAndNot(child));
        assertEquals(50, child.countAndNot(parent));
    }

    @Test
    void shouldWriteBitIModEightOfByteIDivEight()
    {
        final PieceBitmap bitmap = new PieceBitmap(12);
        bitmap.set(0);
        bitmap.set(3);
        bitmap.set(9);
        bitmap.set(11);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4]);

        assertEquals(2, bitmap.copyTo(buffer, 1));

        assertArrayEquals(new byte[] {0, 0b0000_1001, 0b0000_1010, 0}, buffer.byteArray());
    }

    @Test
    void shouldRoundTripThroughABufferAcrossWordBoundaries()
    {
        final PieceBitmap bitmap = new PieceBitmap(500);
        for (int i = 0; i < 500; i += 7)
        {
            bitmap.set(i);
        }
        bitmap.set(499);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[bitmap.byteLength()]);
        bitmap.copyTo(buffer, 0);

        final PieceBitmap copy = new PieceBitmap(500);
        copy.copyFrom(buffer, 0, buffer.capacity());

        assertEquals(63, buffer.capacity());
        assertEquals(bitmap.cardinality(), copy.cardinality());
        for (int i = 0; i < 500; i++)
        {
            assertEquals(bitmap.get(i), copy.get(i), "piece " + i);
        }
    }

    @Test
    void shouldIgnoreBitsBeyondItsSizeWhenReadingABuffer()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[] {(byte)0xFF, (byte)0xFF});
        final PieceBitmap bitmap = new PieceBitmap(10);

        bitmap.copyFrom(buffer, 0, 2);

        assertEquals(10, bitmap.cardinality());
        assertTrue(bitmap.isFull());
    }

    @Test
    void shouldClearAndResizeOnReset()
    {
        final PieceBitmap bitmap = new PieceBitmap(0);
        bitmap.reset(300);
        bitmap.set(299);

        bitmap.reset(100);

        assertEquals(0, bitmap.cardinality());
        assertEquals(100, bitmap.bitCount());
        assertEquals(0, bitmap.nextClearBit(0));
    }
}
