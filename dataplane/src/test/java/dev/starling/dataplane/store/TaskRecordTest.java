package dev.starling.dataplane.store;

import dev.starling.dataplane.task.Digest;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskRecordTest
{
    private static final long CREATED_MS = 1_700_000_000_123L;

    private static byte[] digestOf(final int pieceIndex)
    {
        final byte[] d = new byte[Digest.SHA256_LENGTH_BYTES];
        Arrays.fill(d, (byte)(pieceIndex + 1));
        d[0] = (byte)(pieceIndex >>> 8);
        return d;
    }

    private static ByteBuffer le(final TaskRecord record)
    {
        return ByteBuffer.wrap(record.array()).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void shouldSizeRecordAsHeaderBitmapWordsAndDigests()
    {
        assertEquals(328, TaskRecord.HEADER_LENGTH);
        assertEquals(328, TaskRecord.lengthFor(0));
        assertEquals(328 + 8 + 32, TaskRecord.lengthFor(1));
        assertEquals(328 + 8 + 64 * 32, TaskRecord.lengthFor(64));
        assertEquals(328 + 16 + 65 * 32, TaskRecord.lengthFor(65));
        assertEquals(328 + 8 * 313 + 20_000 * 32, TaskRecord.lengthFor(20_000));
    }

    @Test
    void shouldRoundTripFieldsAfterInit()
    {
        final TaskRecord record = new TaskRecord().init(11, 10L * 65536 + 5, 65536, true, CREATED_MS);

        assertEquals(TaskRecord.VERSION, record.version());
        assertTrue(record.isValid());
        assertEquals(TaskState.DOWNLOADING, record.state());
        assertTrue(record.contentAddressed());
        assertEquals(11, record.pieceCount());
        assertEquals(10L * 65536 + 5, record.contentLengthBytes());
        assertEquals(65536, record.pieceLengthBytes());
        assertEquals(0, record.finishedCount());
        assertEquals(CREATED_MS, record.createdEpochMs());
        assertEquals(CREATED_MS, record.lastAccessEpochMs());
        assertNull(record.contentDigest());
        assertNull(record.etag());
        for (int i = 0; i < 11; i++)
        {
            assertFalse(record.isPieceFinished(i), "piece " + i);
        }
    }

    @Test
    void shouldRoundTripStateLastAccessAndContentLengthBeyond4GiB()
    {
        final TaskRecord record = new TaskRecord().init(81920, 5L << 30, 65536, false, CREATED_MS);
        record.state(TaskState.COMPLETE);
        record.lastAccessEpochMs(CREATED_MS + 42);

        final TaskRecord reread = new TaskRecord().wrap(record.array().clone());
        assertEquals(TaskState.COMPLETE, reread.state());
        assertEquals(CREATED_MS + 42, reread.lastAccessEpochMs());
        assertEquals(CREATED_MS, reread.createdEpochMs());
        assertEquals(5L << 30, reread.contentLengthBytes());
        assertFalse(reread.contentAddressed());
        assertTrue(reread.isValid());
    }

    @Test
    void shouldCountFinishedPiecesOnceWhenMarkedTwice()
    {
        final TaskRecord record = new TaskRecord().init(4, 4L * 65536, 65536, false, CREATED_MS);

        record.markPieceFinished(2, digestOf(2), 0);
        record.markPieceFinished(2, digestOf(2), 0);
        record.markPieceFinished(0, digestOf(0), 0);

        assertEquals(2, record.finishedCount());
        assertTrue(record.isPieceFinished(0));
        assertFalse(record.isPieceFinished(1));
        assertTrue(record.isPieceFinished(2));
        assertFalse(record.isPieceFinished(3));
    }

    @Test
    void shouldKeepBitmapBitsApartAcrossWordBoundaries()
    {
        final TaskRecord record = new TaskRecord().init(130, 130L * 65536, 65536, false, CREATED_MS);

        record.markPieceFinished(63, digestOf(63), 0);
        record.markPieceFinished(64, digestOf(64), 0);
        record.markPieceFinished(127, digestOf(127), 0);
        record.markPieceFinished(129, digestOf(129), 0);

        for (int i = 0; i < 130; i++)
        {
            assertEquals(i == 63 || i == 64 || i == 127 || i == 129, record.isPieceFinished(i), "piece " + i);
        }
        assertEquals(4, record.finishedCount());
        final ByteBuffer b = le(record);
        assertEquals(1L << 63, b.getLong(328));
        assertEquals(1L | (1L << 63), b.getLong(336));
        assertEquals(1L << 1, b.getLong(344));
        assertEquals((byte)0x80, b.get(328 + 7));
        assertEquals((byte)0x01, b.get(336));
    }

    @Test
    void shouldStoreDigestPerPieceAtItsOffset()
    {
        final TaskRecord record = new TaskRecord().init(65, 65L * 65536, 65536, false, CREATED_MS);
        final byte[] source = new byte[40];
        System.arraycopy(digestOf(64), 0, source, 8, 32);

        record.markPieceFinished(0, digestOf(0), 0);
        record.markPieceFinished(64, source, 8);

        final byte[] out = new byte[36];
        record.pieceDigest(0, out, 4);
        assertArrayEquals(digestOf(0), Arrays.copyOfRange(out, 4, 36));
        record.pieceDigest(64, out, 0);
        assertArrayEquals(digestOf(64), Arrays.copyOfRange(out, 0, 32));
        final int digestsStart = 328 + 16;
        assertArrayEquals(digestOf(0), Arrays.copyOfRange(record.array(), digestsStart, digestsStart + 32));
        assertArrayEquals(digestOf(64),
            Arrays.copyOfRange(record.array(), digestsStart + 64 * 32, digestsStart + 65 * 32));
    }

    @Test
    void shouldOverwriteDigestWhenPieceIsMarkedAgain()
    {
        final TaskRecord record = new TaskRecord().init(2, 2L * 65536, 65536, false, CREATED_MS);
        record.markPieceFinished(1, digestOf(1), 0);
        record.markPieceFinished(1, digestOf(7), 0);

        final byte[] out = new byte[32];
        record.pieceDigest(1, out, 0);
        assertArrayEquals(digestOf(7), out);
        assertEquals(1, record.finishedCount());
    }

    @Test
    void shouldRejectMarkingPieceBeyondPieceCountWithoutChangingTheRecord()
    {
        final TaskRecord record = new TaskRecord().init(10, 10L * 65536, 65536, false, CREATED_MS);
        final byte[] before = record.array().clone();

        assertThrows(IndexOutOfBoundsException.class, () -> record.markPieceFinished(12, digestOf(12), 0));
        assertArrayEquals(before, record.array());
    }

    @Test
    void shouldStoreEtagUpToMaxLength()
    {
        final TaskRecord record = new TaskRecord().init(1, 1, 65536, false, CREATED_MS);
        final String longest = "\"" + "e".repeat(TaskRecord.MAX_ETAG_LENGTH - 2) + "\"";

        record.etag(longest);

        assertEquals(254, TaskRecord.MAX_ETAG_LENGTH);
        assertEquals(longest, record.etag());
        assertEquals(254, le(record).getShort(72));
        assertEquals(longest, new String(record.array(), 74, 254, StandardCharsets.UTF_8));
    }

    @Test
    void shouldRecordNoEtagWhenLongerThanMaxLength()
    {
        final TaskRecord record = new TaskRecord().init(1, 1, 65536, false, CREATED_MS);
        record.etag("\"short\"");

        record.etag("x".repeat(TaskRecord.MAX_ETAG_LENGTH + 1));

        assertNull(record.etag());
        assertEquals(0, le(record).getShort(72));
        assertArrayEquals(new byte[254], Arrays.copyOfRange(record.array(), 74, 328));
    }

    @Test
    void shouldCountEtagLengthInUtf8Bytes()
    {
        final TaskRecord record = new TaskRecord().init(1, 1, 65536, false, CREATED_MS);
        final String multiByte = "é".repeat(127);
        final String tooLong = "é".repeat(128);

        record.etag(multiByte);
        assertEquals(multiByte, record.etag());
        record.etag(tooLong);
        assertNull(record.etag());
    }

    @Test
    void shouldReplaceEtagWithoutLeavingOldBytes()
    {
        final TaskRecord record = new TaskRecord().init(1, 1, 65536, false, CREATED_MS);
        record.etag("\"0123456789\"");
        record.etag("\"ab\"");

        assertEquals("\"ab\"", record.etag());
        assertArrayEquals(new byte[254 - 4], Arrays.copyOfRange(record.array(), 74 + 4, 328));
        record.etag(null);
        assertNull(record.etag());
    }

    @Test
    void shouldSetContentDigestFlagOnlyWhenDigestIsRecorded()
    {
        final TaskRecord record = new TaskRecord().init(1, 1, 65536, true, CREATED_MS);
        final Digest digest = Digest.of(digestOf(9));
        assertNull(record.contentDigest());
        assertEquals(1, record.array()[3]);

        record.contentDigest(digest);

        assertEquals(digest, record.contentDigest());
        assertEquals(1 | 2, record.array()[3]);
        assertTrue(record.contentAddressed());
        assertArrayEquals(digest.toBytes(), Arrays.copyOfRange(record.array(), 40, 72));
    }

    @Test
    void shouldWriteLittleEndianFieldsAtDocumentedOffsets()
    {
        final TaskRecord record = new TaskRecord().init(3, 0x0102_0304_0506L, 0x0001_0000, false, 0x1122_3344_5566L);
        record.markPieceFinished(1, digestOf(1), 0);
        record.lastAccessEpochMs(0x7766_5544_3322L);
        record.state(TaskState.COMPLETE);
        record.etag("W/\"v\"");

        final ByteBuffer b = le(record);
        assertEquals(TaskRecord.lengthFor(3), record.array().length);
        assertEquals(328 + 8 + 3 * 32, record.array().length);
        assertEquals(1, b.getShort(0));
        assertEquals(1, record.array()[0]);
        assertEquals(0, record.array()[1]);
        assertEquals(TaskState.COMPLETE.ordinal(), b.get(2));
        assertEquals(0, b.get(3));
        assertEquals(3, b.getInt(4));
        assertEquals(0x0102_0304_0506L, b.getLong(8));
        assertEquals(0x06, record.array()[8]);
        assertEquals(0x0001_0000, b.getInt(16));
        assertEquals(1, b.getInt(20));
        assertEquals(0x1122_3344_5566L, b.getLong(24));
        assertEquals(0x66, record.array()[24]);
        assertEquals(0x7766_5544_3322L, b.getLong(32));
        assertArrayEquals(new byte[32], Arrays.copyOfRange(record.array(), 40, 72));
        assertEquals(5, b.getShort(72));
        assertEquals("W/\"v\"", new String(record.array(), 74, 5, StandardCharsets.UTF_8));
        assertEquals(1L << 1, b.getLong(328));
        assertArrayEquals(new byte[32], Arrays.copyOfRange(record.array(), 336, 368));
        assertArrayEquals(digestOf(1), Arrays.copyOfRange(record.array(), 368, 400));
        assertArrayEquals(new byte[32], Arrays.copyOfRange(record.array(), 400, 432));
    }

    @Test
    void shouldReadRecordWrittenByHandAtDocumentedOffsets()
    {
        final byte[] bytes = new byte[TaskRecord.lengthFor(2)];
        final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short)1);
        b.put(2, (byte)TaskState.COMPLETE.ordinal());
        b.put(3, (byte)3);
        b.putInt(4, 2);
        b.putLong(8, 65536L + 9);
        b.putInt(16, 65536);
        b.putInt(20, 1);
        b.putLong(24, 11L);
        b.putLong(32, 22L);
        b.put(40, (byte)0xAB);
        b.putShort(72, (short)2);
        b.put(74, (byte)'e').put(75, (byte)'t');
        b.putLong(328, 2L);
        b.put(336 + 32, (byte)0xCD);

        final TaskRecord record = new TaskRecord().wrap(bytes);
        assertTrue(record.isValid());
        assertEquals(TaskState.COMPLETE, record.state());
        assertTrue(record.contentAddressed());
        assertEquals(2, record.pieceCount());
        assertEquals(65536L + 9, record.contentLengthBytes());
        assertEquals(65536, record.pieceLengthBytes());
        assertEquals(1, record.finishedCount());
        assertEquals(11L, record.createdEpochMs());
        assertEquals(22L, record.lastAccessEpochMs());
        assertEquals((byte)0xAB, record.contentDigest().toBytes()[0]);
        assertEquals("et", record.etag());
        assertFalse(record.isPieceFinished(0));
        assertTrue(record.isPieceFinished(1));
        final byte[] d = new byte[32];
        record.pieceDigest(1, d, 0);
        assertEquals((byte)0xCD, d[0]);
    }

    @Test
    void shouldRejectWrongVersion()
    {
        final TaskRecord record = new TaskRecord().init(2, 2, 65536, false, CREATED_MS);
        ByteBuffer.wrap(record.array()).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short)2);

        assertFalse(record.isValid());
    }

    @Test
    void shouldRejectLengthThatDoesNotMatchPieceCount()
    {
        final byte[] bytes = new TaskRecord().init(2, 2, 65536, false, CREATED_MS).array();

        assertFalse(new TaskRecord().wrap(Arrays.copyOf(bytes, bytes.length + 1)).isValid());
        assertFalse(new TaskRecord().wrap(Arrays.copyOf(bytes, bytes.length - 1)).isValid());
        assertFalse(new TaskRecord().wrap(new byte[10]).isValid());
        assertFalse(new TaskRecord().wrap(new byte[0]).isValid());
    }

    @Test
    void shouldRejectNegativePieceCountAndUnknownState()
    {
        final TaskRecord negative = new TaskRecord().init(0, 0, 65536, false, CREATED_MS);
        ByteBuffer.wrap(negative.array()).order(ByteOrder.LITTLE_ENDIAN).putInt(4, -1);
        assertFalse(negative.isValid());

        final TaskRecord unknownState = new TaskRecord().init(1, 1, 65536, false, CREATED_MS);
        unknownState.array()[2] = (byte)TaskState.values().length;
        assertNull(unknownState.state());
        assertFalse(unknownState.isValid());
    }

    @Test
    void shouldClearEverythingWhenReinitialisedOverSameLengthArray()
    {
        final TaskRecord record = new TaskRecord().init(3, 3L * 65536, 65536, true, CREATED_MS);
        final byte[] array = record.array();
        record.markPieceFinished(2, digestOf(2), 0);
        record.etag("\"e\"");
        record.contentDigest(Digest.of(digestOf(5)));
        record.state(TaskState.COMPLETE);

        record.init(3, 3L * 65536 - 1, 65536, false, CREATED_MS + 1);

        assertSame(array, record.array());
        assertEquals(0, record.finishedCount());
        assertFalse(record.isPieceFinished(2));
        assertNull(record.etag());
        assertNull(record.contentDigest());
        assertFalse(record.contentAddressed());
        assertEquals(TaskState.DOWNLOADING, record.state());
        assertEquals(3L * 65536 - 1, record.contentLengthBytes());
        final TaskRecord fresh = new TaskRecord().init(3, 3L * 65536 - 1, 65536, false, CREATED_MS + 1);
        assertArrayEquals(fresh.array(), record.array());
    }

    @Test
    void shouldUseNewArrayWhenReinitialisedForOtherPieceCount()
    {
        final TaskRecord record = new TaskRecord().init(3, 3L * 65536, 65536, false, CREATED_MS);
        final byte[] array = record.array();

        record.init(70, 70L * 65536, 65536, false, CREATED_MS);

        assertEquals(TaskRecord.lengthFor(70), record.array().length);
        assertEquals(TaskRecord.lengthFor(3), array.length);
        assertTrue(record.isValid());
    }

    @Test
    void shouldReadAndWriteThroughTheWrappedArrayInPlace()
    {
        final byte[] bytes = new TaskRecord().init(1, 1, 65536, false, CREATED_MS).array().clone();
        final TaskRecord record = new TaskRecord().wrap(bytes);

        record.markPieceFinished(0, digestOf(0), 0);

        assertSame(bytes, record.array());
        assertEquals(1, new TaskRecord().wrap(bytes).finishedCount());
    }

    @Test
    void shouldRecordPieceDigestAlgorithmInFlagsBit2()
    {
        final TaskRecord r = new TaskRecord().init(3, 100, 65536, true, 1);
        assertEquals(dev.starling.dataplane.task.PieceDigest.SHA256, r.pieceDigest());
        r.pieceDigest(dev.starling.dataplane.task.PieceDigest.CRC32C);
        assertEquals(dev.starling.dataplane.task.PieceDigest.CRC32C, r.pieceDigest());
        assertEquals(1 | 4, r.array()[3]);
        r.pieceDigest(dev.starling.dataplane.task.PieceDigest.SHA256);
        assertEquals(1, r.array()[3]);
    }
}
