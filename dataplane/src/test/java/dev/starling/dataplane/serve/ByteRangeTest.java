package dev.starling.dataplane.serve;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ByteRangeTest
{
    @Test
    void shouldResolveOpenClosedAndSuffixRanges()
    {
        final ByteRange open = ByteRange.parse("bytes=100-");
        assertEquals(100, open.first(1000));
        assertEquals(999, open.last(1000));
        final ByteRange closed = ByteRange.parse("bytes=0-0");
        assertEquals(0, closed.first(1000));
        assertEquals(0, closed.last(1000));
        final ByteRange beyond = ByteRange.parse("bytes=10-5000");
        assertEquals(999, beyond.last(1000));
        final ByteRange suffix = ByteRange.parse("bytes=-10");
        assertEquals(990, suffix.first(1000));
        assertEquals(999, suffix.last(1000));
        assertEquals(0, ByteRange.parse("bytes=-5000").first(1000));
    }

    @Test
    void shouldTellUnsatisfiableRanges()
    {
        assertFalse(ByteRange.parse("bytes=1000-").satisfiable(1000));
        assertTrue(ByteRange.parse("bytes=999-").satisfiable(1000));
        assertFalse(ByteRange.parse("bytes=-1").satisfiable(0));
    }

    @Test
    void shouldRejectMalformedAndMultipleRanges()
    {
        assertNull(ByteRange.parse("bytes=5-1"));
        assertNull(ByteRange.parse("bytes=-"));
        assertNull(ByteRange.parse("bytes=-0"));
        assertNull(ByteRange.parse("bytes=0-1,5-6"));
        assertNull(ByteRange.parse("items=0-1"));
        assertNull(ByteRange.parse("bytes=99999999999999999999-"));
    }
}
