package dev.starling.dataplane.store;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.task.TaskId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class TaskHandleTest
{
    private static final int PIECE = 64 * 1024;

    @TempDir
    Path tmp;

    private PieceStore store;

    @BeforeEach
    void setUp()
    {
        store = PieceStore.open(new DataplaneContext().dataDir(tmp.resolve("data")).quotaBytes(1L << 30)
            .indexMaxTasks(1024).conclude());
    }

    @AfterEach
    void tearDown()
    {
        store.close();
    }

    private static byte[] randomBytes(final int length, final long seed)
    {
        final byte[] b = new byte[length];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static ByteBuffer direct(final byte[] bytes, final int from, final int to)
    {
        final ByteBuffer b = ByteBuffer.allocateDirect(to - from);
        b.put(bytes, from, to - from).flip();
        return b;
    }

    private static byte[] sha256(final byte[] bytes, final int from, final int to)
    {
        final var md = Digest.newSha256();
        md.update(bytes, from, to - from);
        return md.digest();
    }

    private static void writeAndCommit(final TaskHandle h, final byte[] content, final int piece)
    {
        final PieceLayout layout = h.layout();
        final int from = (int)layout.pieceOffset(piece);
        final int to = from + layout.pieceLength(piece);
        h.write(from, direct(content, from, to));
        h.commitPiece(piece, sha256(content, from, to), 0);
    }

    private TaskRecord stored(final TaskId id)
    {
        final TaskRecord r = new TaskRecord();
        assertTrue(store.index().read(id.toBytes(), r));
        return r;
    }

    private static TaskId id(final String name)
    {
        return TaskId.ofUrl("https://origin.example.com/" + name, null, null);
    }

    @Test
    void shouldWriteDirectBufferAtContentOffsetAndAdvanceItsPosition() throws Exception
    {
        final byte[] content = randomBytes(3 * PIECE, 1);
        try (TaskHandle h = store.openTask(id("a"), PieceLayout.of(content.length, PIECE), null))
        {
            final ByteBuffer src = direct(content, PIECE + 10, 2 * PIECE + 20);

            h.write(PIECE + 10, src);

            assertFalse(src.hasRemaining());
            final byte[] onDisk = Files.readAllBytes(h.contentPath());
            assertEquals(content.length, onDisk.length);
            assertArrayEquals(Arrays.copyOfRange(content, PIECE + 10, 2 * PIECE + 20),
                Arrays.copyOfRange(onDisk, PIECE + 10, 2 * PIECE + 20));
            assertArrayEquals(new byte[PIECE + 10], Arrays.copyOfRange(onDisk, 0, PIECE + 10));
        }
    }

    @Test
    void shouldWriteHeapBufferFromItsPosition() throws Exception
    {
        final byte[] content = randomBytes(PIECE, 2);
        try (TaskHandle h = store.openTask(id("heap"), PieceLayout.of(content.length, PIECE), null))
        {
            final ByteBuffer src = ByteBuffer.wrap(content);
            src.position(100);

            h.write(100, src);

            assertEquals(content.length, src.position());
            assertArrayEquals(Arrays.copyOfRange(content, 100, PIECE),
                Arrays.copyOfRange(Files.readAllBytes(h.contentPath()), 100, PIECE));
        }
    }

    @Test
    void shouldNotCountWrittenPieceAsFinishedBeforeCommit()
    {
        final byte[] content = randomBytes(2 * PIECE, 3);
        try (TaskHandle h = store.openTask(id("b"), PieceLayout.of(content.length, PIECE), null))
        {
            h.write(0, direct(content, 0, PIECE));

            assertFalse(h.isPieceFinished(0));
            assertEquals(0, h.finishedCount());
            assertEquals(0, stored(h.id()).finishedCount());
        }
    }

    @Test
    void shouldPersistCommittedPieceAndItsDigestImmediately()
    {
        final byte[] content = randomBytes(2 * PIECE, 4);
        try (TaskHandle h = store.openTask(id("c"), PieceLayout.of(content.length, PIECE), null))
        {
            writeAndCommit(h, content, 1);

            assertTrue(h.isPieceFinished(1));
            assertFalse(h.isPieceFinished(0));
            final TaskRecord r = stored(h.id());
            assertTrue(r.isPieceFinished(1));
            assertEquals(1, r.finishedCount());
            final byte[] digest = new byte[32];
            r.pieceDigest(1, digest, 0);
            assertArrayEquals(sha256(content, PIECE, 2 * PIECE), digest);
            final byte[] fromHandle = new byte[40];
            h.pieceDigest(1, fromHandle, 8);
            assertArrayEquals(digest, Arrays.copyOfRange(fromHandle, 8, 40));
        }
    }

    @Test
    void shouldCountFinishedBytesWithShortLastPiece()
    {
        final byte[] content = randomBytes(3 * PIECE + 7, 5);
        try (TaskHandle h = store.openTask(id("d"), PieceLayout.of(content.length, PIECE), null))
        {
            assertEquals(0, h.finishedBytes());
            writeAndCommit(h, content, 3);
            assertEquals(7, h.finishedBytes());
            writeAndCommit(h, content, 0);
            assertEquals(PIECE + 7, h.finishedBytes());
            writeAndCommit(h, content, 1);
            writeAndCommit(h, content, 2);
            assertEquals(content.length, h.finishedBytes());
        }
    }

    @Test
    void shouldCountFinishedBytesWithoutLastPiece()
    {
        final byte[] content = randomBytes(3 * PIECE + 7, 6);
        try (TaskHandle h = store.openTask(id("e"), PieceLayout.of(content.length, PIECE), null))
        {
            writeAndCommit(h, content, 0);
            writeAndCommit(h, content, 2);

            assertEquals(2L * PIECE, h.finishedBytes());
        }
    }

    @Test
    void shouldRefuseToCompleteWithMissingPieces()
    {
        final byte[] content = randomBytes(2 * PIECE, 7);
        try (TaskHandle h = store.openTask(id("f"), PieceLayout.of(content.length, PIECE), null))
        {
            writeAndCommit(h, content, 0);

            final StarlingException ex = assertThrows(StarlingException.class, () -> h.complete(null));

            assertEquals(ErrorCode.INTERNAL, ex.code());
            assertFalse(h.isComplete());
            assertEquals(TaskState.DOWNLOADING, stored(h.id()).state());
        }
    }

    @Test
    void shouldCompleteAndPersistContentDigest()
    {
        final byte[] content = randomBytes(2 * PIECE + 1, 8);
        final Digest digest = Digest.of(sha256(content, 0, content.length));
        try (TaskHandle h = store.openTask(TaskId.ofDigest(digest), PieceLayout.of(content.length, PIECE), null))
        {
            for (int i = 0; i < 3; i++)
            {
                writeAndCommit(h, content, i);
            }

            h.complete(digest);

            assertTrue(h.isComplete());
            assertEquals(digest, h.contentDigest());
            final TaskRecord r = stored(h.id());
            assertEquals(TaskState.COMPLETE, r.state());
            assertEquals(digest, r.contentDigest());
            assertTrue(r.contentAddressed());
        }
    }

    @Test
    void shouldCompleteWithoutContentDigest()
    {
        final byte[] content = randomBytes(PIECE, 9);
        try (TaskHandle h = store.openTask(id("g"), PieceLayout.of(content.length, PIECE), null))
        {
            writeAndCommit(h, content, 0);

            h.complete(null);

            assertTrue(h.isComplete());
            assertNull(h.contentDigest());
        }
    }

    @Test
    void shouldCompleteEmptyContentWithNoPieces()
    {
        try (TaskHandle h = store.openTask(id("empty"), PieceLayout.of(0, PIECE), null))
        {
            h.complete(null);

            assertTrue(h.isComplete());
            assertEquals(0, h.finishedBytes());
        }
    }

    @Test
    void shouldForgetEveryPieceOnReset()
    {
        final byte[] content = randomBytes(2 * PIECE, 10);
        try (TaskHandle h = store.openTask(id("h"), PieceLayout.of(content.length, PIECE), "\"v1\""))
        {
            writeAndCommit(h, content, 0);
            writeAndCommit(h, content, 1);
            h.complete(null);

            h.reset();

            assertFalse(h.isComplete());
            assertEquals(0, h.finishedCount());
            assertFalse(h.isPieceFinished(0));
            final TaskRecord r = stored(h.id());
            assertEquals(0, r.finishedCount());
            assertEquals(TaskState.DOWNLOADING, r.state());
        }
    }

    @Test
    void shouldCommitUnderEveryFsyncPolicy()
    {
        for (final FsyncPolicy policy : FsyncPolicy.values())
        {
            final Path dir = tmp.resolve("fsync-" + policy);
            try (PieceStore s = PieceStore.open(new DataplaneContext().dataDir(dir).quotaBytes(1L << 30)
                .indexMaxTasks(1024).fsyncPolicy(policy).conclude());
                TaskHandle h = s.openTask(id("p"), PieceLayout.of(PIECE, PIECE), null))
            {
                final byte[] content = randomBytes(PIECE, 11);
                writeAndCommit(h, content, 0);
                h.complete(null);
                assertTrue(h.isComplete(), policy.name());
            }
        }
    }

    @Test
    void shouldReportRecordedEtagAndLayout()
    {
        final PieceLayout layout = PieceLayout.of(5L * PIECE, PIECE);
        try (TaskHandle h = store.openTask(id("i"), layout, "W/\"abc\""))
        {
            assertEquals("W/\"abc\"", h.etag());
            assertEquals(layout.contentLengthBytes(), h.layout().contentLengthBytes());
            assertEquals(5, h.layout().pieceCount());
            assertEquals(store.contentPath(id("i")), h.contentPath());
            assertNotNull(h.channel());
        }
    }

    @Test
    void shouldReleaseTaskOnCloseSoItCanBeOpenedAgain()
    {
        final TaskHandle h = store.openTask(id("j"), PieceLayout.of(PIECE, PIECE), null);
        assertEquals(ErrorCode.INTERNAL, assertThrows(StarlingException.class,
            () -> store.openTask(id("j"), PieceLayout.of(PIECE, PIECE), null)).code());

        h.close();
        h.close();

        assertFalse(h.channel().isOpen());
        try (TaskHandle again = store.openExisting(id("j")))
        {
            assertNotNull(again);
        }
    }
}
