package dev.starling.dataplane.store;

import dev.starling.dataplane.config.DataplaneContext;

import dev.starling.dataplane.task.PieceLayout;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class ChronicleTaskIndexTest
{
    /** What {@link PieceStore} sizes the index for. */
    private static final int AVERAGE_PIECES = 640;
    private static final int MAX_TASKS = 1024;

    @TempDir
    Path tmp;

    private ChronicleTaskIndex index;

    @AfterEach
    void tearDown()
    {
        if (index != null)
        {
            index.close();
        }
    }

    private ChronicleTaskIndex open(final Path dir)
    {
        return ChronicleTaskIndex.open(dir, MAX_TASKS, AVERAGE_PIECES);
    }

    /** Opens the index and returns what it logged (slf4j-simple writes to the current System.err). */
    private String openLogging(final Path dir)
    {
        final PrintStream original = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            index = open(dir);
        }
        finally
        {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static byte[] key(final int n)
    {
        final byte[] k = new byte[32];
        k[0] = (byte)n;
        k[31] = (byte)(n >>> 8);
        return k;
    }

    private static TaskRecord record(final int pieceCount, final int finished)
    {
        final TaskRecord r = new TaskRecord().init(pieceCount, (long)pieceCount * 65536, 65536, false, 1000L + pieceCount);
        final byte[] digest = new byte[32];
        for (int i = 0; i < finished; i++)
        {
            digest[0] = (byte)i;
            digest[1] = (byte)(i >>> 8);
            r.markPieceFinished(i, digest, 0);
        }
        return r;
    }

    @Test
    void shouldReadBackWhatWasWritten()
    {
        index = open(tmp);
        final TaskRecord written = record(10, 3);

        index.write(key(1), written);

        final TaskRecord read = new TaskRecord();
        assertTrue(index.read(key(1), read));
        assertArrayEquals(written.array(), read.array());
        assertEquals(3, read.finishedCount());
    }

    @Test
    void shouldReportMissingKey()
    {
        index = open(tmp);
        index.write(key(1), record(1, 0));

        final TaskRecord into = new TaskRecord().init(1, 1, 65536, false, 5);
        final byte[] before = into.array().clone();
        assertFalse(index.read(key(2), into));
        assertArrayEquals(before, into.array());
    }

    @Test
    void shouldReplaceRecordAndReuseArrayOfEqualLength()
    {
        index = open(tmp);
        index.write(key(1), record(10, 1));
        index.write(key(1), record(10, 7));

        final TaskRecord into = new TaskRecord().init(10, 1, 65536, false, 0);
        final byte[] array = into.array();
        assertTrue(index.read(key(1), into));
        assertSame(array, into.array());
        assertEquals(7, into.finishedCount());
        assertEquals(1, index.size());
    }

    @Test
    void shouldReplaceRecordWithOneOfAnotherLength()
    {
        index = open(tmp);
        index.write(key(1), record(10, 1));
        index.write(key(1), record(2000, 1500));

        final TaskRecord into = new TaskRecord().init(10, 1, 65536, false, 0);
        final byte[] array = into.array();
        assertTrue(index.read(key(1), into));
        assertNotSame(array, into.array());
        assertEquals(2000, into.pieceCount());
        assertEquals(1500, into.finishedCount());
        assertTrue(into.isValid());
    }

    @Test
    void shouldRemoveRecordAndCountSize()
    {
        index = open(tmp);
        index.write(key(1), record(1, 0));
        index.write(key(2), record(2, 0));
        index.write(key(3), record(3, 0));
        assertEquals(3, index.size());

        assertTrue(index.remove(key(2)));
        assertFalse(index.remove(key(2)));

        assertEquals(2, index.size());
        assertFalse(index.read(key(2), new TaskRecord()));
        assertTrue(index.read(key(3), new TaskRecord()));
    }

    @Test
    void shouldVisitEveryRecordWithCopies()
    {
        index = open(tmp);
        for (int i = 1; i <= 5; i++)
        {
            index.write(key(i), record(i, i - 1));
        }

        final Map<Integer, byte[]> seen = new HashMap<>();
        index.forEach((k, v) ->
        {
            seen.put((int)k[0], v);
            Arrays.fill(k, (byte)0x7F);
            v[20] = 0x7F;
        });

        assertEquals(5, seen.size());
        for (int i = 1; i <= 5; i++)
        {
            assertEquals(i, new TaskRecord().wrap(seen.get(i)).pieceCount());
            final TaskRecord stored = new TaskRecord();
            assertTrue(index.read(key(i), stored), "key " + i + " untouched by the visitor");
            assertEquals(i - 1, stored.finishedCount());
        }
    }

    @Test
    void shouldKeepRecordsAcrossCloseAndReopen()
    {
        index = open(tmp);
        final TaskRecord written = record(100, 64);
        written.etag("\"abc\"");
        index.write(key(7), written);
        index.write(key(8), record(1, 1));
        index.remove(key(8));
        index.close();

        final String log = openLogging(tmp);

        assertFalse(log.contains("not closed cleanly"), log);
        final TaskRecord read = new TaskRecord();
        assertTrue(index.read(key(7), read));
        assertArrayEquals(written.array(), read.array());
        assertEquals("\"abc\"", read.etag());
        assertEquals(1, index.size());
    }

    @Test
    void shouldStoreAndReadBackRecordFor20000Pieces()
    {
        index = open(tmp);
        final TaskRecord big = record(20_000, 19_999);
        assertEquals(642_832, big.array().length);

        index.write(key(1), big);
        index.write(key(2), record(10, 10));

        final TaskRecord read = new TaskRecord();
        assertTrue(index.read(key(1), read));
        assertArrayEquals(big.array(), read.array());
        assertTrue(read.isPieceFinished(19_998));
        assertFalse(read.isPieceFinished(19_999));
    }

    @Test
    void shouldHoldRecordOfTheMostPiecesATaskMayHaveInTheSmallestIndex()
    {
        index = ChronicleTaskIndex.open(tmp, DataplaneContext.MIN_INDEX_MAX_TASKS, 64);
        final TaskRecord biggest = record(PieceLayout.MAX_PIECE_COUNT, PieceLayout.MAX_PIECE_COUNT);
        index.write(key(1), biggest);
        index.write(key(2), record(3, 1));

        final TaskRecord read = new TaskRecord();
        assertTrue(index.read(key(1), read));
        assertArrayEquals(biggest.array(), read.array());
    }

    @Test
    void shouldKeepRecordFor20000PiecesAcrossReopen()
    {
        index = open(tmp);
        final TaskRecord big = record(20_000, 20_000);
        index.write(key(1), big);
        index.close();

        index = open(tmp);

        final TaskRecord read = new TaskRecord();
        assertTrue(index.read(key(1), read));
        assertArrayEquals(big.array(), read.array());
    }

    @Test
    void shouldRecoverIndexThatWasNotClosedCleanly() throws Exception
    {
        final Path live = tmp.resolve("live");
        final Path crashed = tmp.resolve("crashed");
        index = open(live);
        final TaskRecord written = record(300, 200);
        index.write(key(3), written);
        index.write(key(4), record(5, 5));
        // A copy of the open map file is what a killed process leaves: the data, and no clean-close marker.
        Files.createDirectories(crashed);
        Files.copy(live.resolve(ChronicleTaskIndex.FILE_NAME), crashed.resolve(ChronicleTaskIndex.FILE_NAME));
        index.close();
        assertTrue(Files.exists(live.resolve("tasks-v1.clean")));
        assertFalse(Files.exists(crashed.resolve("tasks-v1.clean")));

        final String log = openLogging(crashed);

        assertTrue(log.contains("was not closed cleanly; recovering it"), log);
        final TaskRecord read = new TaskRecord();
        assertTrue(index.read(key(3), read));
        assertArrayEquals(written.array(), read.array());
        assertTrue(index.read(key(4), new TaskRecord()));
        assertEquals(2, index.size());
        index.write(key(5), record(1, 0));
        assertEquals(3, index.size());
    }

    @Test
    void shouldOpenCleanlyClosedIndexAfterARecoveredOne() throws Exception
    {
        final Path live = tmp.resolve("live");
        final Path crashed = tmp.resolve("crashed");
        index = open(live);
        index.write(key(3), record(3, 1));
        Files.createDirectories(crashed);
        Files.copy(live.resolve(ChronicleTaskIndex.FILE_NAME), crashed.resolve(ChronicleTaskIndex.FILE_NAME));
        index.close();
        index = open(crashed);
        index.write(key(9), record(9, 9));
        index.close();

        index = open(crashed);

        assertTrue(index.read(key(3), new TaskRecord()));
        final TaskRecord read = new TaskRecord();
        assertTrue(index.read(key(9), read));
        assertEquals(9, read.finishedCount());
    }

    @Test
    void shouldCloseTwiceWithoutError()
    {
        index = open(tmp);
        index.close();
        index.close();
    }
}
