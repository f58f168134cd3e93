package dev.starling.dataplane.store;

import com.sun.security.auth.module.UnixSystem;
import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.task.TaskId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(60)
class PieceStoreTest
{
    private static final int PIECE = 64 * 1024;
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    private PieceStore store;

    @AfterEach
    void tearDown()
    {
        if (store != null)
        {
            store.close();
        }
    }

    private Path dataDir()
    {
        return tmp.resolve("data");
    }

    private static DataplaneContext context(final Path dataDir)
    {
        return new DataplaneContext().dataDir(dataDir).quotaBytes(1L << 30).indexMaxTasks(1024);
    }

    private PieceStore open()
    {
        store = PieceStore.open(context(dataDir()).conclude());
        return store;
    }

    private PieceStore reopen()
    {
        store.close();
        store = null;
        return open();
    }

    private static TaskId id(final String name)
    {
        return TaskId.ofUrl("https://origin.example.com/" + name, null, null);
    }

    private static byte[] randomBytes(final int length, final long seed)
    {
        final byte[] b = new byte[length];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static byte[] sha256(final byte[] bytes, final int from, final int to)
    {
        final var md = Digest.newSha256();
        md.update(bytes, from, to - from);
        return md.digest();
    }

    private static void writePiece(final TaskHandle h, final byte[] content, final int piece)
    {
        final int from = (int)h.layout().pieceOffset(piece);
        final int to = from + h.layout().pieceLength(piece);
        final ByteBuffer src = ByteBuffer.allocateDirect(to - from);
        src.put(content, from, to - from).flip();
        h.write(from, src);
        h.commitPiece(piece, sha256(content, from, to), 0);
    }

    private static void writeAll(final TaskHandle h, final byte[] content)
    {
        for (int i = 0; i < h.layout().pieceCount(); i++)
        {
            writePiece(h, content, i);
        }
    }

    /** Creates a complete task of {@code content} and releases it. */
    private void completeTask(final TaskId id, final byte[] content)
    {
        try (TaskHandle h = store.openTask(id, PieceLayout.of(content.length, PIECE), null))
        {
            writeAll(h, content);
            h.complete(null);
        }
    }

    /** Creates a task with nothing written (the content file stays sparse) and releases it. */
    private void sparseTask(final TaskId id, final long length, final boolean complete)
    {
        try (TaskHandle h = store.openTask(id, PieceLayout.of(length, PIECE), null))
        {
            if (complete)
            {
                final byte[] digest = new byte[32];
                for (int i = 0; i < h.layout().pieceCount(); i++)
                {
                    h.commitPiece(i, digest, 0);
                }
                h.complete(null);
            }
        }
    }

    /** Sets a task's last access time in the index, so LRU order does not depend on the clock. */
    private void lastAccess(final TaskId id, final long epochMs)
    {
        final TaskRecord r = new TaskRecord();
        assertTrue(store.index().read(id.toBytes(), r));
        r.lastAccessEpochMs(epochMs);
        store.index().write(id.toBytes(), r);
    }

    private boolean inIndex(final TaskId id)
    {
        return store.index().read(id.toBytes(), new TaskRecord());
    }

    private static Object inode(final Path p) throws IOException
    {
        return Files.getAttribute(p, "unix:ino");
    }

    private static List<String> tempFilesIn(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.map(p -> p.getFileName().toString())
                .filter(n -> n.matches("\\..*\\.starling-.*\\.tmp"))
                .toList();
        }
    }

    private static ErrorCode codeOf(final Runnable r)
    {
        return assertThrows(StarlingException.class, r::run).code();
    }

    // ---- open, lock, layout ----

    @Test
    void shouldCreateDataDirLayoutOnOpen()
    {
        open();

        assertTrue(Files.isDirectory(dataDir().resolve(PieceStore.CONTENT_DIR)));
        assertTrue(Files.isDirectory(dataDir().resolve(PieceStore.INDEX_DIR)));
        assertTrue(Files.isDirectory(dataDir().resolve(PieceStore.STAGING_DIR)));
        assertTrue(Files.isRegularFile(dataDir().resolve(DataDirLock.FILE_NAME)));
        assertTrue(Files.isRegularFile(dataDir().resolve(PieceStore.INDEX_DIR).resolve(ChronicleTaskIndex.FILE_NAME)));
        assertEquals(dataDir().toAbsolutePath(), store.dataDir());
        assertEquals(1L << 30, store.quotaBytes());
    }

    @Test
    void shouldListOnlyCompleteTasksWithTheirKindAfterAReopen()
    {
        open();
        final byte[] content = randomBytes(3 * PIECE + 5, 7);
        final TaskId byUrl = id("complete");
        completeTask(byUrl, content);
        final TaskId byDigest = TaskId.ofDigest(dev.starling.dataplane.task.Digest.parse("sha256:" +
            java.util.HexFormat.of().formatHex(sha256(content, 0, content.length))));
        completeTask(byDigest, content);
        sparseTask(id("partial"), 2L * PIECE, false);

        final List<TaskId> ids = reopen().completeTaskIds();
        assertEquals(2, ids.size(), ids.toString());
        assertTrue(ids.contains(byUrl) && ids.contains(byDigest), ids.toString());
        assertTrue(ids.stream().filter(i -> i.equals(byDigest)).findFirst().orElseThrow().contentAddressed());
    }

    @Test
    void shouldFailSecondOpenOfSameDataDirWithDataDirLocked()
    {
        open();

        final StarlingException ex = assertThrows(StarlingException.class,
            () -> PieceStore.open(context(dataDir()).conclude()));

        assertEquals(ErrorCode.DATA_DIR_LOCKED, ex.code());
        sparseTask(id("still-usable"), PIECE, false);
        assertTrue(inIndex(id("still-usable")));
    }

    @Test
    void shouldOpenAgainAfterClose()
    {
        open();
        sparseTask(id("a"), PIECE, true);

        reopen();

        assertTrue(inIndex(id("a")));
    }

    @Test
    void shouldClearStagingFilesLeftByPreviousRun() throws Exception
    {
        open();
        final Path staged = store.newStagingFile();
        Files.write(staged, new byte[100]);
        assertTrue(staged.startsWith(dataDir().resolve(PieceStore.STAGING_DIR)));

        reopen();

        assertFalse(Files.exists(staged));
    }

    @Test
    void shouldUseEightyPercentOfFileSystemWhenQuotaIsZero() throws Exception
    {
        store = PieceStore.open(context(dataDir()).quotaBytes(0).conclude());

        assertEquals((long)(Files.getFileStore(dataDir()).getTotalSpace() * 0.8), store.quotaBytes());
    }

    // ---- open, resume, reset ----

    @Test
    void shouldStoreContentAtPieceOffsetsAndReadItBack() throws Exception
    {
        open();
        final byte[] content = randomBytes(5 * PIECE + 100, 1);
        try (TaskHandle h = store.openTask(id("a"), PieceLayout.of(content.length, PIECE), null))
        {
            for (int i = h.layout().pieceCount() - 1; i >= 0; i--)
            {
                writePiece(h, content, i);
            }
            h.complete(null);

            assertEquals(store.contentPath(id("a")), h.contentPath());
            assertArrayEquals(content, Files.readAllBytes(h.contentPath()));
        }
        final String hex = id("a").hex();
        assertEquals(dataDir().resolve("content").resolve(hex.substring(0, 2)).resolve(hex),
            store.contentPath(id("a")));
    }

    @Test
    void shouldResumeOnlyMissingPiecesAfterReopen() throws Exception
    {
        open();
        final byte[] content = randomBytes(5 * PIECE + 100, 2);
        final PieceLayout layout = PieceLayout.of(content.length, PIECE);
        final TaskHandle first = store.openTask(id("r"), layout, "\"e1\"");
        writePiece(first, content, 0);
        writePiece(first, content, 2);
        writePiece(first, content, 5);
        // Bytes of piece 3 land on disk but the piece is never committed.
        first.write(layout.pieceOffset(3), ByteBuffer.wrap(content, 3 * PIECE, PIECE));

        reopen();

        try (TaskHandle h = store.openTask(id("r"), layout, "\"e1\""))
        {
            assertEquals(3, h.finishedCount());
            for (int i = 0; i < layout.pieceCount(); i++)
            {
                assertEquals(i == 0 || i == 2 || i == 5, h.isPieceFinished(i), "piece " + i);
            }
            final byte[] digest = new byte[32];
            h.pieceDigest(2, digest, 0);
            assertArrayEquals(sha256(content, 2 * PIECE, 3 * PIECE), digest);
            writePiece(h, content, 1);
            writePiece(h, content, 3);
            writePiece(h, content, 4);
            h.complete(null);
            assertArrayEquals(content, Files.readAllBytes(h.contentPath()));
        }
    }

    @Test
    void shouldResumeWhenOriginSendsNoEtag()
    {
        open();
        final PieceLayout layout = PieceLayout.of(3L * PIECE, PIECE);
        try (TaskHandle h = store.openTask(id("n"), layout, "\"e1\""))
        {
            writePiece(h, randomBytes(3 * PIECE, 3), 1);
        }

        reopen();

        try (TaskHandle h = store.openTask(id("n"), layout, null))
        {
            assertTrue(h.isPieceFinished(1));
            assertEquals("\"e1\"", h.etag());
        }
    }

    @Test
    void shouldResetWhenContentLengthChanges() throws Exception
    {
        open();
        try (TaskHandle h = store.openTask(id("l"), PieceLayout.of(3L * PIECE, PIECE), "\"e1\""))
        {
            writeAll(h, randomBytes(3 * PIECE, 4));
            h.complete(null);
        }

        reopen();

        try (TaskHandle h = store.openTask(id("l"), PieceLayout.of(3L * PIECE + 1, PIECE), "\"e1\""))
        {
            assertEquals(0, h.finishedCount());
            assertFalse(h.isComplete());
            for (int i = 0; i < 4; i++)
            {
                assertFalse(h.isPieceFinished(i), "piece " + i);
            }
            assertEquals(3L * PIECE + 1, Files.size(h.contentPath()));
            assertArrayEquals(new byte[3 * PIECE + 1], Files.readAllBytes(h.contentPath()));
        }
    }

    @Test
    void shouldResetWhenEtagChanges()
    {
        open();
        final PieceLayout layout = PieceLayout.of(3L * PIECE, PIECE);
        try (TaskHandle h = store.openTask(id("e"), layout, "\"e1\""))
        {
            writeAll(h, randomBytes(3 * PIECE, 5));
            h.complete(null);
        }

        reopen();

        try (TaskHandle h = store.openTask(id("e"), layout, "\"e2\""))
        {
            assertEquals(0, h.finishedCount());
            assertFalse(h.isComplete());
            assertEquals("\"e2\"", h.etag());
        }
    }

    @Test
    void shouldResetWhenPieceLengthChanges()
    {
        open();
        try (TaskHandle h = store.openTask(id("p"), PieceLayout.of(4L * PIECE, PIECE), null))
        {
            writePiece(h, randomBytes(4 * PIECE, 6), 0);
        }

        try (TaskHandle h = store.openTask(id("p"), PieceLayout.of(4L * PIECE, 2 * PIECE), null))
        {
            assertEquals(0, h.finishedCount());
            assertEquals(2, h.layout().pieceCount());
        }
    }

    @Test
    void shouldResetWhenContentFileIsGone() throws Exception
    {
        open();
        final PieceLayout layout = PieceLayout.of(2L * PIECE, PIECE);
        try (TaskHandle h = store.openTask(id("g"), layout, null))
        {
            writeAll(h, randomBytes(2 * PIECE, 7));
            h.complete(null);
        }
        reopen();
        Files.delete(store.contentPath(id("g")));

        try (TaskHandle h = store.openTask(id("g"), layout, null))
        {
            assertEquals(0, h.finishedCount());
            assertEquals(2L * PIECE, Files.size(h.contentPath()));
        }
    }

    @Test
    void shouldResumeAfterDaemonWasKilled() throws Exception
    {
        open();
        final byte[] content = randomBytes(4 * PIECE, 8);
        final PieceLayout layout = PieceLayout.of(content.length, PIECE);
        final TaskHandle h = store.openTask(id("k"), layout, "\"e\"");
        writePiece(h, content, 1);
        writePiece(h, content, 3);
        // What a killed daemon leaves: the files as they are while it runs, no clean-close marker, no lock held.
        final Path killed = tmp.resolve("killed");
        try (Stream<Path> files = Files.walk(dataDir()))
        {
            for (final Path p : (Iterable<Path>)files::iterator)
            {
                final Path to = killed.resolve(dataDir().relativize(p).toString());
                if (Files.isDirectory(p))
                {
                    Files.createDirectories(to);
                }
                else
                {
                    Files.copy(p, to);
                }
            }
        }

        try (PieceStore recovered = PieceStore.open(context(killed).conclude());
            TaskHandle resumed = recovered.openTask(id("k"), layout, "\"e\""))
        {
            assertEquals(2, resumed.finishedCount());
            assertTrue(resumed.isPieceFinished(1));
            assertTrue(resumed.isPieceFinished(3));
            writePiece(resumed, content, 0);
            writePiece(resumed, content, 2);
            resumed.complete(null);
            assertArrayEquals(content, Files.readAllBytes(resumed.contentPath()));
        }
    }

    @Test
    void shouldRefuseToOpenTaskThatIsAlreadyOpen()
    {
        open();
        try (TaskHandle ignored = store.openTask(id("o"), PieceLayout.of(PIECE, PIECE), null))
        {
            assertEquals(ErrorCode.INTERNAL, codeOf(() -> store.openTask(id("o"), PieceLayout.of(PIECE, PIECE), null)));
            assertEquals(ErrorCode.INTERNAL, codeOf(() -> store.openExisting(id("o"))));
        }
    }

    @Test
    void shouldCloseOpenHandlesWhenStoreCloses()
    {
        open();
        final TaskHandle h = store.openTask(id("c"), PieceLayout.of(PIECE, PIECE), null);

        store.close();
        store = null;

        assertFalse(h.channel().isOpen());
    }

    // ---- openExisting ----

    @Test
    void shouldReturnNullFromOpenExistingForUnknownTask()
    {
        open();

        assertNull(store.openExisting(id("unknown")));
    }

    @Test
    void shouldReturnNullFromOpenExistingWhenContentFileIsGone() throws Exception
    {
        open();
        sparseTask(id("gone"), 2L * PIECE, true);
        Files.delete(store.contentPath(id("gone")));

        assertNull(store.openExisting(id("gone")));
    }

    @Test
    void shouldOpenExistingTaskWithItsLayoutStateAndDigest() throws Exception
    {
        open();
        final byte[] content = randomBytes(3 * PIECE + 5, 9);
        final Digest digest = Digest.of(sha256(content, 0, content.length));
        final TaskId id = TaskId.ofDigest(digest);
        try (TaskHandle h = store.openTask(id, PieceLayout.of(content.length, PIECE), "\"x\""))
        {
            writeAll(h, content);
            h.complete(digest);
        }

        reopen();

        try (TaskHandle h = store.openExisting(TaskId.fromBytes(id.toBytes(), false)))
        {
            assertNotNull(h);
            assertTrue(h.isComplete());
            assertTrue(h.id().contentAddressed());
            assertEquals(digest, h.contentDigest());
            assertEquals(content.length, h.layout().contentLengthBytes());
            assertEquals(PIECE, h.layout().pieceLengthBytes());
            assertEquals("\"x\"", h.etag());
            assertArrayEquals(content, Files.readAllBytes(h.contentPath()));
        }
    }

    // ---- adoptStaged ----

    @Test
    void shouldAdoptStagedFileAsContentWithNoPieceFinished() throws Exception
    {
        open();
        final byte[] content = randomBytes(2 * PIECE + 3, 10);
        final Path staged = store.newStagingFile();
        Files.write(staged, content);

        try (TaskHandle h = store.adoptStaged(id("s"), staged, PieceLayout.of(content.length, PIECE), "\"s\""))
        {
            assertFalse(Files.exists(staged));
            assertEquals(0, h.finishedCount());
            assertArrayEquals(content, Files.readAllBytes(h.contentPath()));
            for (int i = 0; i < 3; i++)
            {
                final int from = (int)h.layout().pieceOffset(i);
                h.commitPiece(i, sha256(content, from, from + h.layout().pieceLength(i)), 0);
            }
            h.complete(null);
            assertTrue(h.isComplete());
        }
    }

    // ---- place ----

    @Test
    void shouldPlaceByHardLinkInLinkMode() throws Exception
    {
        store = PieceStore.open(context(dataDir()).placementMode(PlacementMode.LINK).conclude());
        final byte[] content = randomBytes(3 * PIECE + 1, 11);
        completeTask(id("l"), content);
        final Path target = tmp.resolve("out.bin");

        try (TaskHandle h = store.openExisting(id("l")))
        {
            assertTrue(store.place(h, target));
        }

        assertEquals(inode(store.contentPath(id("l"))), inode(target));
        assertArrayEquals(content, Files.readAllBytes(target));
    }

    @Test
    void shouldPlaceIndependentCopyInCopyMode() throws Exception
    {
        store = PieceStore.open(context(dataDir()).placementMode(PlacementMode.COPY).conclude());
        final byte[] content = randomBytes(3 * PIECE + 1, 12);
        completeTask(id("c"), content);
        final Path target = tmp.resolve("out.bin");

        try (TaskHandle h = store.openExisting(id("c")))
        {
            assertFalse(store.place(h, target));
        }

        assertNotEquals(inode(store.contentPath(id("c"))), inode(target));
        assertArrayEquals(content, Files.readAllBytes(target));
        Files.write(target, new byte[] {1, 2, 3});
        assertArrayEquals(content, Files.readAllBytes(store.contentPath(id("c"))));
    }

    @Test
    void shouldPlaceEmptyContent() throws Exception
    {
        open();
        completeTask(id("empty"), new byte[0]);
        final Path target = tmp.resolve("empty.bin");

        try (TaskHandle h = store.openExisting(id("empty")))
        {
            store.place(h, target);
        }

        assertEquals(0, Files.size(target));
    }

    @Test
    void shouldReplaceExistingTargetByRenameNotByWritingIntoIt() throws Exception
    {
        for (final PlacementMode mode : PlacementMode.values())
        {
            final Path dir = tmp.resolve(mode.name());
            Files.createDirectories(dir);
            store = PieceStore.open(context(dir.resolve("data")).placementMode(mode).conclude());
            final byte[] content = randomBytes(2 * PIECE, 13);
            completeTask(id("r"), content);
            final Path target = dir.resolve("out.bin");
            Files.writeString(target, "old content");
            final Path otherLinkToOld = dir.resolve("old-link");
            Files.createLink(otherLinkToOld, target);

            try (TaskHandle h = store.openExisting(id("r")))
            {
                store.place(h, target);
            }

            assertArrayEquals(content, Files.readAllBytes(target), mode.name());
            assertEquals("old content", Files.readString(otherLinkToOld), mode.name());
            store.close();
            store = null;
        }
    }

    @Test
    void shouldPlaceTwiceAtSameTargetAndLeaveNoTempFiles() throws Exception
    {
        for (final PlacementMode mode : PlacementMode.values())
        {
            final Path dir = tmp.resolve(mode.name());
            Files.createDirectories(dir);
            store = PieceStore.open(context(dir.resolve("data")).placementMode(mode).conclude());
            final byte[] content = randomBytes(2 * PIECE + 9, 14);
            completeTask(id("t"), content);
            final Path target = dir.resolve("out.bin");

            try (TaskHandle h = store.openExisting(id("t")))
            {
                store.place(h, target);
                store.place(h, target);
            }

            assertArrayEquals(content, Files.readAllBytes(target), mode.name());
            assertEquals(List.of(), tempFilesIn(dir), mode.name());
            assertTrue(Files.exists(store.contentPath(id("t"))), mode.name());
            store.close();
            store = null;
        }
    }

    @Test
    void shouldRefuseToPlaceIncompleteTask() throws Exception
    {
        open();
        final Path target = tmp.resolve("out.bin");
        try (TaskHandle h = store.openTask(id("i"), PieceLayout.of(PIECE, PIECE), null))
        {
            assertEquals(ErrorCode.INTERNAL, codeOf(() -> store.place(h, target)));
        }
        assertFalse(Files.exists(target));
        assertEquals(List.of(), tempFilesIn(tmp));
    }

    @Test
    void shouldKeepPlacedLinkWhenTaskIsEvicted() throws Exception
    {
        store = PieceStore.open(context(dataDir()).placementMode(PlacementMode.LINK).conclude());
        final byte[] content = randomBytes(2 * PIECE, 15);
        completeTask(id("v"), content);
        final Path target = tmp.resolve("out.bin");
        try (TaskHandle h = store.openExisting(id("v")))
        {
            store.place(h, target);
        }

        assertTrue(store.evict(id("v")));

        assertFalse(Files.exists(store.contentPath(id("v"))));
        assertArrayEquals(content, Files.readAllBytes(target));
    }

    @Test
    void shouldNotChangePlacedLinkWhenTaskIsFetchedAfresh() throws Exception
    {
        store = PieceStore.open(context(dataDir()).placementMode(PlacementMode.LINK).conclude());
        final byte[] content = randomBytes(2 * PIECE, 16);
        final PieceLayout layout = PieceLayout.of(content.length, PIECE);
        try (TaskHandle h = store.openTask(id("f"), layout, "\"v1\""))
        {
            writeAll(h, content);
            h.complete(null);
        }
        final Path target = tmp.resolve("out.bin");
        try (TaskHandle h = store.openExisting(id("f")))
        {
            assertTrue(store.place(h, target));
        }

        // The origin's content changed: the store resets the task and refetches it.
        try (TaskHandle h = store.openTask(id("f"), layout, "\"v2\""))
        {
            assertEquals(0, h.finishedCount());
            writePiece(h, randomBytes(2 * PIECE, 17), 0);
        }

        assertArrayEquals(content, Files.readAllBytes(target), "the user's placed file must not change");
    }

    // ---- checkTarget ----

    @Test
    void shouldAcceptTargetInWritableDirAndNormaliseIt() throws Exception
    {
        open();
        Files.createDirectories(tmp.resolve("out"));

        assertEquals(tmp.resolve("out/x.bin").toAbsolutePath(), store.checkTarget(tmp.resolve("out/./y/../x.bin")));
    }

    @Test
    void shouldAcceptTargetInSiblingDirWhoseNameStartsLikeDataDir() throws Exception
    {
        open();
        Files.createDirectories(tmp.resolve("data2"));

        assertEquals(tmp.resolve("data2/x.bin"), store.checkTarget(tmp.resolve("data2/x.bin")));
    }

    @Test
    void shouldRejectDirectoryTarget()
    {
        open();

        assertEquals(ErrorCode.BAD_TARGET, codeOf(() -> store.checkTarget(tmp)));
    }

    @Test
    void shouldRejectSymlinkToDirectoryTarget() throws Exception
    {
        open();
        Files.createDirectories(tmp.resolve("dir"));
        Files.createSymbolicLink(tmp.resolve("link"), tmp.resolve("dir"));

        assertEquals(ErrorCode.BAD_TARGET, codeOf(() -> store.checkTarget(tmp.resolve("link"))));
    }

    @Test
    void shouldRejectTargetInsideDataDir()
    {
        open();

        assertEquals(ErrorCode.BAD_TARGET, codeOf(() -> store.checkTarget(dataDir().resolve("x.bin"))));
        assertEquals(ErrorCode.BAD_TARGET, codeOf(() -> store.checkTarget(dataDir().resolve("content/x.bin"))));
        assertEquals(ErrorCode.BAD_TARGET, codeOf(() -> store.checkTarget(dataDir().resolve(DataDirLock.FILE_NAME))));
    }

    @Test
    void shouldRejectTargetReachingIntoDataDirThroughDotDot() throws Exception
    {
        open();
        Files.createDirectories(tmp.resolve("out"));

        assertEquals(ErrorCode.BAD_TARGET, codeOf(() -> store.checkTarget(tmp.resolve("out/../data/content/x.bin"))));
    }

    @Test
    void shouldRejectTargetReachingIntoDataDirThroughSymlinkedParent() throws Exception
    {
        open();
        Files.createSymbolicLink(tmp.resolve("sneaky"), dataDir().resolve("content"));

        assertEquals(ErrorCode.BAD_TARGET, codeOf(() -> store.checkTarget(tmp.resolve("sneaky/x.bin"))));
    }

    @Test
    void shouldRejectTargetInsideDataDirReachedThroughASymlinkedDataDir() throws Exception
    {
        final Path real = tmp.resolve("real-data");
        Files.createDirectories(real);
        Files.createSymbolicLink(dataDir(), real);
        open();

        assertEquals(ErrorCode.BAD_TARGET, codeOf(() -> store.checkTarget(real.resolve("content/x.bin"))));
    }

    @Test
    void shouldRejectTargetWithMissingParentAsNotWritable()
    {
        open();

        assertEquals(ErrorCode.TARGET_NOT_WRITABLE, codeOf(() -> store.checkTarget(tmp.resolve("missing/x.bin"))));
    }

    // ---- quota and eviction ----

    private PieceStore openWithQuota(final long quotaBytes)
    {
        store = PieceStore.open(context(dataDir()).quotaBytes(quotaBytes).lowWatermark(0.9).conclude());
        return store;
    }

    @Test
    void shouldSumContentLengthsAsUsedBytes()
    {
        openWithQuota(10L * MIB);
        sparseTask(id("a"), 3L * MIB, true);
        sparseTask(id("b"), 2L * MIB + 5, false);
        try (TaskHandle ignored = store.openTask(id("c"), PieceLayout.of(PIECE, PIECE), null))
        {
            assertEquals(5L * MIB + 5 + PIECE, store.usedBytes());
        }
    }

    @Test
    void shouldEvictLeastRecentlyUsedCompleteTaskFirst()
    {
        openWithQuota(10L * MIB);
        sparseTask(id("a"), 3L * MIB, true);
        sparseTask(id("b"), 3L * MIB, true);
        sparseTask(id("c"), 3L * MIB, true);
        lastAccess(id("a"), 3_000);
        lastAccess(id("b"), 1_000);
        lastAccess(id("c"), 2_000);

        try (TaskHandle ignored = store.openTask(id("d"), PieceLayout.of(3L * MIB, PIECE), null))
        {
            assertFalse(inIndex(id("b")));
            assertFalse(Files.exists(store.contentPath(id("b"))));
            assertNull(store.openExisting(id("b")));
            assertTrue(inIndex(id("a")));
            assertTrue(inIndex(id("c")));
            assertTrue(Files.exists(store.contentPath(id("a"))));
            assertEquals(9L * MIB, store.usedBytes());
        }
    }

    @Test
    void shouldEvictDownToLowWatermark()
    {
        openWithQuota(10L * MIB);
        for (int i = 0; i < 9; i++)
        {
            sparseTask(id("t" + i), MIB, true);
            lastAccess(id("t" + i), 1_000 + i);
        }

        try (TaskHandle ignored = store.openTask(id("new"), PieceLayout.of(2L * MIB, PIECE), null))
        {
            // 9 + 2 = 11 MiB > 10 MiB: evict the oldest until 2 + rest <= 9 MiB, i.e. two tasks.
            assertFalse(inIndex(id("t0")));
            assertFalse(inIndex(id("t1")));
            assertTrue(inIndex(id("t2")));
            assertEquals(9L * MIB, store.usedBytes());
        }
    }

    @Test
    void shouldEvictCompleteTasksBeforePartialOnes()
    {
        openWithQuota(10L * MIB);
        sparseTask(id("partial"), 3L * MIB, false);
        sparseTask(id("complete-new"), 3L * MIB, true);
        sparseTask(id("complete-old"), 3L * MIB, true);
        lastAccess(id("partial"), 1_000);
        lastAccess(id("complete-old"), 2_000);
        lastAccess(id("complete-new"), 3_000);

        try (TaskHandle ignored = store.openTask(id("d"), PieceLayout.of(3L * MIB, PIECE), null))
        {
            assertTrue(inIndex(id("partial")));
            assertFalse(inIndex(id("complete-old")));
            assertTrue(inIndex(id("complete-new")));
        }
    }

    @Test
    void shouldNeverEvictOpenTasks()
    {
        openWithQuota(10L * MIB);
        sparseTask(id("a"), 3L * MIB, true);
        sparseTask(id("b"), 3L * MIB, true);
        sparseTask(id("c"), 3L * MIB, true);
        lastAccess(id("a"), 1_000);
        lastAccess(id("b"), 2_000);
        lastAccess(id("c"), 3_000);

        try (TaskHandle openA = store.openExisting(id("a"));
            TaskHandle d = store.openTask(id("d"), PieceLayout.of(3L * MIB, PIECE), null))
        {
            assertNotNull(openA);
            assertTrue(inIndex(id("a")));
            assertTrue(Files.exists(store.contentPath(id("a"))));
            assertFalse(inIndex(id("b")));
            assertTrue(inIndex(id("c")));
        }
    }

    @Test
    void shouldFailWithQuotaExceededWhenOnlyOpenTasksCouldBeEvicted()
    {
        openWithQuota(10L * MIB);
        try (TaskHandle a = store.openTask(id("a"), PieceLayout.of(4L * MIB, PIECE), null);
            TaskHandle b = store.openTask(id("b"), PieceLayout.of(4L * MIB, PIECE), null))
        {
            assertEquals(ErrorCode.QUOTA_EXCEEDED,
                codeOf(() -> store.openTask(id("c"), PieceLayout.of(3L * MIB, PIECE), null)));

            assertTrue(inIndex(id("a")));
            assertTrue(inIndex(id("b")));
            assertFalse(inIndex(id("c")));
            assertFalse(Files.exists(store.contentPath(id("c"))));
        }
    }

    @Test
    void shouldFailWithQuotaExceededForTaskLargerThanQuotaWithoutEvicting()
    {
        openWithQuota(10L * MIB);
        sparseTask(id("a"), 3L * MIB, true);

        assertEquals(ErrorCode.QUOTA_EXCEEDED,
            codeOf(() -> store.openTask(id("huge"), PieceLayout.of(10L * MIB + 1, PIECE), null)));

        assertTrue(inIndex(id("a")));
        assertFalse(inIndex(id("huge")));
    }

    @Test
    void shouldNotCountTaskBeingResetAgainstItself()
    {
        openWithQuota(10L * MIB);
        sparseTask(id("a"), 3L * MIB, true);
        sparseTask(id("b"), 3L * MIB, true);

        try (TaskHandle h = store.openTask(id("a"), PieceLayout.of(6L * MIB, PIECE), null))
        {
            assertEquals(0, h.finishedCount());
            assertTrue(inIndex(id("b")));
            assertEquals(9L * MIB, store.usedBytes());
        }
    }

    @Test
    void shouldRefuseToEvictOpenTask()
    {
        open();
        try (TaskHandle ignored = store.openTask(id("o"), PieceLayout.of(PIECE, PIECE), null))
        {
            assertEquals(ErrorCode.INTERNAL, codeOf(() -> store.evict(id("o"))));
            assertTrue(inIndex(id("o")));
        }
        assertTrue(store.evict(id("o")));
        assertFalse(store.evict(id("o")));
    }

    // ---- disk full (needs root to mount a small tmpfs under the data dir) ----

    private static boolean isRoot()
    {
        return new UnixSystem().getUid() == 0;
    }

    private static int run(final String... command) throws Exception
    {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /**
     * Mounts a 4 MiB tmpfs as the store's content folder: content fills it while the index, on the normal file
     * system, keeps working (a full file system under Chronicle's mapped file would be SIGBUS, not an error).
     */
    private Path mountSmallContentDir() throws Exception
    {
        assumeTrue(isRoot(), "disk-full tests need root to mount a tmpfs");
        final Path content = dataDir().resolve(PieceStore.CONTENT_DIR);
        Files.createDirectories(content);
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", content.toString()) == 0,
            "cannot mount a tmpfs (needs CAP_SYS_ADMIN)");
        return content;
    }

    private void unmount(final Path content) throws Exception
    {
        if (store != null)
        {
            store.close();
            store = null;
        }
        if (run("umount", content.toString()) != 0)
        {
            run("umount", "-l", content.toString());
        }
    }

    @Test
    void shouldCopyInLinkModeWhenTargetIsOnAnotherFileSystem() throws Exception
    {
        assumeTrue(isRoot(), "needs root to mount a tmpfs for the target");
        final Path targetDir = tmp.resolve("other-fs");
        Files.createDirectories(targetDir);
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", targetDir.toString()) == 0,
            "cannot mount a tmpfs (needs CAP_SYS_ADMIN)");
        try
        {
            store = PieceStore.open(context(dataDir()).placementMode(PlacementMode.LINK).conclude());
            final byte[] content = randomBytes(2 * PIECE + 1, 19);
            completeTask(id("x"), content);
            final Path target = targetDir.resolve("out.bin");

            try (TaskHandle h = store.openExisting(id("x")))
            {
                assertFalse(store.place(h, target));
            }

            assertArrayEquals(content, Files.readAllBytes(target));
            assertEquals(List.of(), tempFilesIn(targetDir));
        }
        finally
        {
            if (run("umount", targetDir.toString()) != 0)
            {
                run("umount", "-l", targetDir.toString());
            }
        }
    }

    @Test
    void shouldFailWithDiskFullWhenTaskExceedsFreeSpace() throws Exception
    {
        final Path content = mountSmallContentDir();
        try
        {
            open();

            assertEquals(ErrorCode.DISK_FULL,
                codeOf(() -> store.openTask(id("big"), PieceLayout.of(5L * MIB, PIECE), null)));

            assertFalse(inIndex(id("big")));
            assertFalse(Files.exists(store.contentPath(id("big"))));
        }
        finally
        {
            unmount(content);
        }
    }

    @Test
    void shouldFailWriteWithDiskFullWhenFileSystemFillsUp() throws Exception
    {
        final Path content = mountSmallContentDir();
        try
        {
            open();
            final byte[] bytes = randomBytes(3 * MIB, 18);
            final TaskHandle a = store.openTask(id("a"), PieceLayout.of(bytes.length, PIECE), null);
            final TaskHandle b = store.openTask(id("b"), PieceLayout.of(bytes.length, PIECE), null);
            writeAll(a, bytes);

            final StarlingException ex = assertThrows(StarlingException.class, () -> writeAll(b, bytes));

            assertEquals(ErrorCode.DISK_FULL, ex.code(), ex.describe());
            assertTrue(b.finishedCount() < b.layout().pieceCount());
            assertEquals(a.layout().pieceCount(), a.finishedCount());
        }
        finally
        {
            unmount(content);
        }
    }
}
