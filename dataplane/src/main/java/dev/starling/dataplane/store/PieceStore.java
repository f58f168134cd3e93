package dev.starling.dataplane.store;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.task.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The piece store of one data dir: a content file per task, written in place at piece offsets, and the
 * persisted {@link TaskIndex}. See {@code docs/store-format.md} for the layout on disk.
 * <p>
 * One process owns a data dir ({@link DataDirLock}). Opening, releasing and evicting tasks are synchronized on
 * the store (they are rare); the per-piece path goes through {@link TaskHandle} without locks.
 */
public final class PieceStore implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(PieceStore.class);
    /** Folder of content files. */
    public static final String CONTENT_DIR = "content";
    /** Folder of the task index. */
    public static final String INDEX_DIR = "index";
    /** Folder for staging files (content of unknown length). */
    public static final String STAGING_DIR = "staging";
    /** Typical pieces per task: most tasks (image layers, configs) are small; large ones span more chunks. */
    private static final int AVERAGE_PIECES = 64;

    private final DataplaneContext ctx;
    private final Path dataDir;
    private final Path contentDir;
    private final Path stagingDir;
    private final DataDirLock lock;
    private final TaskIndex index;
    private final long quotaBytes;
    private final Map<TaskId, TaskHandle> open = new HashMap<>();
    private boolean linkFallbackLogged;

    private PieceStore(final DataplaneContext ctx, final DataDirLock lock, final TaskIndex index, final long quotaBytes)
    {
        this.ctx = ctx;
        this.dataDir = ctx.dataDir();
        this.contentDir = dataDir.resolve(CONTENT_DIR);
        this.stagingDir = dataDir.resolve(STAGING_DIR);
        this.lock = lock;
        this.index = index;
        this.quotaBytes = quotaBytes;
    }

    /**
     * Opens the store: creates the data dir when missing, takes its lock, opens (or recovers) the index.
     *
     * @param ctx concluded context.
     * @return the open store.
     * @throws StarlingException {@link ErrorCode#DATA_DIR_LOCKED} when another process owns the data dir,
     *                           {@link ErrorCode#DATA_DIR_UNUSABLE} when it cannot be used.
     */
    public static PieceStore open(final DataplaneContext ctx)
    {
        if (!ctx.isConcluded())
        {
            ctx.conclude();
        }
        final Path dataDir = ctx.dataDir();
        try
        {
            Files.createDirectories(dataDir);
            Files.createDirectories(dataDir.resolve(CONTENT_DIR));
            Files.createDirectories(dataDir.resolve(STAGING_DIR));
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.DATA_DIR_UNUSABLE, "cannot create data dir " + dataDir + ": " +
                ex + " (check that the path is a writable directory)", ex);
        }
        final DataDirLock lock = DataDirLock.acquire(dataDir);
        try
        {
            clearStaging(dataDir.resolve(STAGING_DIR));
            final TaskIndex index = ChronicleTaskIndex.open(dataDir.resolve(INDEX_DIR), ctx.indexMaxTasks(), AVERAGE_PIECES);
            long quota = ctx.quotaBytes();
            if (quota == 0)
            {
                quota = (long)(Files.getFileStore(dataDir).getTotalSpace() * 0.8);
            }
            return new PieceStore(ctx, lock, index, quota);
        }
        catch (final IOException ex)
        {
            lock.close();
            throw new StarlingException(ErrorCode.DATA_DIR_UNUSABLE, "cannot read data dir " + dataDir + ": " + ex, ex);
        }
        catch (final RuntimeException ex)
        {
            lock.close();
            throw ex;
        }
    }

    private static void clearStaging(final Path staging) throws IOException
    {
        try (var files = Files.list(staging))
        {
            for (final Path p : (Iterable<Path>)files::iterator)
            {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * @return the data dir.
     */
    public Path dataDir()
    {
        return dataDir;
    }

    /**
     * @return the effective quota in bytes.
     */
    public long quotaBytes()
    {
        return quotaBytes;
    }

    TaskIndex index()
    {
        return index;
    }

    /**
     * @param id task.
     * @return where the task's content lives: {@code content/<first two hex digits>/<hex id>}.
     */
    public Path contentPath(final TaskId id)
    {
        final String hex = id.hex();
        return contentDir.resolve(hex.substring(0, 2)).resolve(hex);
    }

    /**
     * Opens a task for download or reading, creating it, or resuming it when the index has it with the same
     * layout and origin ETag. A record whose layout or ETag differs, or whose content file is gone, is reset.
     * Space for a new task is reserved against the quota first, evicting least-recently-used tasks.
     *
     * @param id     task.
     * @param layout content layout.
     * @param etag   origin ETag, or null.
     * @return the handle; caller owns it and closes it.
     */
    public synchronized TaskHandle openTask(final TaskId id, final PieceLayout layout, final String etag)
    {
        final TaskHandle served = open.get(id);
        if (served != null && !served.downloading &&
            served.layout().contentLengthBytes() == layout.contentLengthBytes() &&
            served.layout().pieceLengthBytes() == layout.pieceLengthBytes() &&
            (etag == null || served.etag() == null || etag.equals(served.etag())))
        {
            // Open only for serving: the download takes the same handle, so both see one record.
            served.refs++;
            served.downloading = true;
            return served;
        }
        requireNotOpen(id);
        final byte[] key = id.toBytes();
        final TaskRecord record = new TaskRecord();
        final Path path = contentPath(id);
        final boolean known = index.read(key, record) && record.isValid();
        final boolean resumable = known &&
            record.contentLengthBytes() == layout.contentLengthBytes() &&
            record.pieceLengthBytes() == layout.pieceLengthBytes() &&
            (etag == null || record.etag() == null || etag.equals(record.etag())) &&
            sizeOf(path) == layout.contentLengthBytes();
        if (!resumable)
        {
            if (known)
            {
                LOG.info("task {}: stored copy does not match the origin (length, piece length or ETag changed); " +
                    "fetching it afresh", id);
            }
            reserve(layout.contentLengthBytes(), id);
            record.init(layout.pieceCount(), layout.contentLengthBytes(), layout.pieceLengthBytes(),
                id.contentAddressed(), System.currentTimeMillis());
            record.pieceDigest(ctx.pieceDigest(id));
            record.etag(etag);
        }
        record.lastAccessEpochMs(System.currentTimeMillis());
        final FileChannel channel = openContent(path, layout.contentLengthBytes(), !resumable);
        writeNew(key, record, channel, id);
        final TaskHandle handle = new TaskHandle(this, id, layout, record, channel, path, ctx.fsyncPolicy());
        handle.downloading = true;
        open.put(id, handle);
        return handle;
    }

    /**
     * Opens a task for serving its finished pieces to peers: the handle already open in this process (a download
     * in progress shares its record), or the stored task. Each call takes a reference; close the handle to drop it.
     *
     * @param id task.
     * @return the handle, or null when the store does not have the task.
     */
    public synchronized TaskHandle openForServing(final TaskId id)
    {
        final TaskHandle h = open.get(id);
        if (h != null)
        {
            h.refs++;
            return h;
        }
        return openExisting(id);
    }

    /**
     * Opens a task already in the store, for reading or resuming.
     *
     * @param id task.
     * @return the handle, or null when the store does not have the task.
     */
    public synchronized TaskHandle openExisting(final TaskId id)
    {
        requireNotOpen(id);
        final TaskRecord record = new TaskRecord();
        final Path path = contentPath(id);
        if (!index.read(id.toBytes(), record) || !record.isValid() || sizeOf(path) != record.contentLengthBytes())
        {
            return null;
        }
        final PieceLayout layout = PieceLayout.of(record.contentLengthBytes(), record.pieceLengthBytes());
        final TaskId storedId = TaskId.fromBytes(id.toBytes(), record.contentAddressed());
        record.lastAccessEpochMs(System.currentTimeMillis());
        index.write(id.toBytes(), record);
        final FileChannel channel = openContent(path, layout.contentLengthBytes(), false);
        final TaskHandle handle = new TaskHandle(this, storedId, layout, record, channel, path, ctx.fsyncPolicy());
        open.put(id, handle);
        return handle;
    }

    /**
     * @return a new empty file in the staging folder, for content whose length is not known up front.
     */
    public Path newStagingFile()
    {
        try
        {
            return Files.createTempFile(stagingDir, "stage-", ".part");
        }
        catch (final IOException ex)
        {
            throw ioError("create a staging file in " + stagingDir, ex);
        }
    }

    /**
     * Moves a fully written staging file into the store as a task's content and opens the task with no piece
     * finished; the caller then verifies and commits the pieces from the file. Replaces any stored copy.
     *
     * @param id     task.
     * @param staged staging file from {@link #newStagingFile()}; moved, not copied.
     * @param layout layout for the file's length.
     * @param etag   origin ETag, or null.
     * @return the handle; caller owns it.
     */
    public synchronized TaskHandle adoptStaged(final TaskId id, final Path staged, final PieceLayout layout, final String etag)
    {
        requireNotOpen(id);
        deleteTaskFiles(id);
        reserve(layout.contentLengthBytes(), id);
        final Path path = contentPath(id);
        try
        {
            Files.createDirectories(path.getParent());
            Files.move(staged, path, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            throw ioError("move " + staged + " into the store", ex);
        }
        final TaskRecord record = new TaskRecord().init(layout.pieceCount(), layout.contentLengthBytes(),
            layout.pieceLengthBytes(), id.contentAddressed(), System.currentTimeMillis());
        record.pieceDigest(ctx.pieceDigest(id));
        record.etag(etag);
        final FileChannel channel = openContent(path, layout.contentLengthBytes(), false);
        writeNew(id.toBytes(), record, channel, id);
        final TaskHandle handle = new TaskHandle(this, id, layout, record, channel, path, ctx.fsyncPolicy());
        handle.downloading = true;
        open.put(id, handle);
        return handle;
    }

    private static long sizeOf(final Path path)
    {
        try
        {
            return Files.size(path);
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }

    private void requireNotOpen(final TaskId id)
    {
        if (open.containsKey(id))
        {
            throw new StarlingException(ErrorCode.INTERNAL, "task " + id + " is already open in this process");
        }
    }

    /**
     * Opens a task's content file. A file that is to be started afresh (or has the wrong size) is replaced by a
     * new one, never rewritten in place: a result hard-linked out of the store earlier shares the old inode and
     * must not change under the user.
     */
    private FileChannel openContent(final Path path, final long length, final boolean fresh)
    {
        try
        {
            Files.createDirectories(path.getParent());
            if (fresh || sizeOf(path) != length)
            {
                Files.deleteIfExists(path);
                final FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
                try
                {
                    // Sparse: blocks are taken as pieces land; a disk that fills up fails the write, not this call.
                    if (length > 0)
                    {
                        channel.write(java.nio.ByteBuffer.allocate(1), length - 1);
                    }
                }
                catch (final IOException ex)
                {
                    channel.close();
                    throw ex;
                }
                return channel;
            }
            return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        catch (final IOException ex)
        {
            throw ioError("open content file " + path, ex);
        }
    }

    /**
     * Replaces a task's content file with a new, empty one of the same length (see {@link #openContent}).
     *
     * @param handle the task; its old channel is closed.
     * @return the new channel.
     */
    FileChannel freshContent(final TaskHandle handle)
    {
        try
        {
            handle.channel().close();
        }
        catch (final IOException ex)
        {
            LOG.warn("closing {}: {}", handle.contentPath(), ex.toString());
        }
        return openContent(handle.contentPath(), handle.layout().contentLengthBytes(), true);
    }

    private void writeNew(final byte[] key, final TaskRecord record, final FileChannel channel, final TaskId id)
    {
        try
        {
            index.write(key, record);
        }
        catch (final RuntimeException ex)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // the index failure is the one to report
            }
            throw new StarlingException(ErrorCode.DATA_DIR_UNUSABLE, "cannot record task " + id + " in the index: " +
                ex.getMessage(), ex);
        }
    }

    synchronized void release(final TaskHandle handle)
    {
        if (--handle.refs > 0)
        {
            return;
        }
        open.remove(handle.id());
        try
        {
            handle.channel().close();
        }
        catch (final IOException ex)
        {
            LOG.warn("closing {}: {}", handle.contentPath(), ex.toString());
        }
    }

    synchronized void endDownload(final TaskHandle handle)
    {
        handle.downloading = false;
    }

    /**
     * @return the ids of the complete tasks the index holds, in no order: what a daemon announces to its scheduler
     * when it starts.
     */
    public synchronized List<TaskId> completeTaskIds()
    {
        final List<TaskId> ids = new ArrayList<>();
        final TaskRecord r = new TaskRecord();
        index.forEach((k, v) ->
        {
            if (r.wrap(v).isValid() && r.state() == TaskState.COMPLETE)
            {
                ids.add(TaskId.fromBytes(k, r.contentAddressed()));
            }
        });
        return ids;
    }

    /**
     * @return {downloading, complete}: how many tasks the index holds in each state.
     */
    public synchronized long[] taskCounts()
    {
        final long[] counts = new long[2];
        final TaskRecord r = new TaskRecord();
        index.forEach((k, v) ->
        {
            if (r.wrap(v).isValid())
            {
                counts[r.state() == TaskState.COMPLETE ? 1 : 0]++;
            }
        });
        return counts;
    }

    /**
     * Bytes the store's tasks take, counting every task at its full content length.
     *
     * @return used bytes.
     */
    public synchronized long usedBytes()
    {
        final long[] used = {0};
        final TaskRecord r = new TaskRecord();
        index.forEach((k, v) -> used[0] += r.wrap(v).isValid() ? r.contentLengthBytes() : 0);
        return used[0];
    }

    /**
     * Makes room for {@code bytes} more: when the quota would be exceeded, evicts tasks that are not open,
     * finished ones first, least recently used first, down to the low watermark.
     *
     * @param bytes   bytes about to be added.
     * @param exclude task never to evict (the one being added).
     * @throws StarlingException {@link ErrorCode#QUOTA_EXCEEDED} when the task cannot fit,
     *                           {@link ErrorCode#DISK_FULL} when the file system lacks the space.
     */
    synchronized void reserve(final long bytes, final TaskId exclude)
    {
        if (bytes > quotaBytes)
        {
            throw new StarlingException(ErrorCode.QUOTA_EXCEEDED, "task of " + bytes + " bytes is larger than the " +
                "store quota of " + quotaBytes + " bytes: raise --quota");
        }
        final List<Candidate> candidates = new ArrayList<>();
        final long[] used = {0};
        final TaskRecord r = new TaskRecord();
        final byte[] excludeKey = exclude.toBytes();
        index.forEach((k, v) ->
        {
            if (!r.wrap(v).isValid() || java.util.Arrays.equals(k, excludeKey))
            {
                return;
            }
            used[0] += r.contentLengthBytes();
            final TaskId id = TaskId.fromBytes(k, r.contentAddressed());
            if (!open.containsKey(id))
            {
                candidates.add(new Candidate(id, r.contentLengthBytes(), r.state() == TaskState.COMPLETE,
                    r.lastAccessEpochMs()));
            }
        });
        if (used[0] + bytes > quotaBytes)
        {
            long evictable = 0;
            for (final Candidate c : candidates)
            {
                evictable += c.lengthBytes;
            }
            if (used[0] - evictable + bytes > quotaBytes)
            {
                throw new StarlingException(ErrorCode.QUOTA_EXCEEDED, "store quota of " + quotaBytes +
                    " bytes is taken by tasks in use (" + (used[0] - evictable) + " bytes); cannot add " + bytes +
                    " bytes: raise --quota or wait for those downloads to end");
            }
            final long target = (long)(quotaBytes * ctx.lowWatermark());
            candidates.sort((a, b) -> a.complete != b.complete ? (a.complete ? -1 : 1) :
                Long.compare(a.lastAccessEpochMs, b.lastAccessEpochMs));
            for (final Candidate c : candidates)
            {
                if (used[0] + bytes <= target)
                {
                    break;
                }
                LOG.info("evicting task {} ({} bytes, {}) to stay within the quota", c.id, c.lengthBytes,
                    c.complete ? "complete" : "partial");
                evict(c.id);
                used[0] -= c.lengthBytes;
            }
            if (used[0] + bytes > quotaBytes)
            {
                throw new StarlingException(ErrorCode.QUOTA_EXCEEDED, "store quota of " + quotaBytes +
                    " bytes is taken by tasks in use (" + used[0] + " bytes); cannot add " + bytes + " bytes");
            }
        }
        requireFreeSpace(bytes);
    }

    private void requireFreeSpace(final long bytes)
    {
        try
        {
            final FileStore fs = Files.getFileStore(contentDir);
            if (fs.getUsableSpace() < bytes)
            {
                throw new StarlingException(ErrorCode.DISK_FULL, "file system of " + dataDir + " has " +
                    fs.getUsableSpace() + " bytes free, the task needs " + bytes + ": free space or move --data-dir");
            }
        }
        catch (final IOException ex)
        {
            throw ioError("check free space of " + dataDir, ex);
        }
    }

    /**
     * Removes a task and its content from the store. The task must not be open.
     *
     * @param id task.
     * @return true when the store had the task.
     */
    public synchronized boolean evict(final TaskId id)
    {
        if (open.containsKey(id))
        {
            throw new StarlingException(ErrorCode.INTERNAL, "task " + id + " is open and cannot be evicted");
        }
        final boolean had = index.remove(id.toBytes());
        deleteTaskFiles(id);
        return had;
    }

    private void deleteTaskFiles(final TaskId id)
    {
        try
        {
            Files.deleteIfExists(contentPath(id));
        }
        catch (final IOException ex)
        {
            throw ioError("delete " + contentPath(id), ex);
        }
    }

    /**
     * Checks, before any download, that a target path is acceptable: not a directory, not inside the data dir,
     * with an existing, writable parent directory.
     *
     * @param target the user's target path.
     * @return the absolute, normalised target.
     * @throws StarlingException {@link ErrorCode#BAD_TARGET} or {@link ErrorCode#TARGET_NOT_WRITABLE}.
     */
    public Path checkTarget(final Path target)
    {
        final Path abs = target.toAbsolutePath().normalize();
        if (abs.getFileName() == null)
        {
            throw new StarlingException(ErrorCode.BAD_TARGET, "target " + target + " names no file");
        }
        if (Files.isDirectory(abs))
        {
            throw new StarlingException(ErrorCode.BAD_TARGET, "target " + target + " is a directory: name a file");
        }
        final Path parent = abs.getParent();
        if (!Files.isDirectory(parent))
        {
            throw new StarlingException(ErrorCode.TARGET_NOT_WRITABLE, "target directory " + parent +
                " does not exist: create it first");
        }
        try
        {
            final Path realParent = parent.toRealPath();
            final Path realData = dataDir.toRealPath();
            if (realParent.startsWith(realData))
            {
                throw new StarlingException(ErrorCode.BAD_TARGET, "target " + target + " is inside the data dir " +
                    dataDir + ": Starling will not write over its own store");
            }
            if (Files.isSymbolicLink(abs) && Files.isDirectory(abs.toRealPath()))
            {
                throw new StarlingException(ErrorCode.BAD_TARGET, "target " + target + " links to a directory");
            }
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.TARGET_NOT_WRITABLE, "cannot resolve target " + target + ": " + ex, ex);
        }
        if (!Files.isWritable(parent))
        {
            throw new StarlingException(ErrorCode.TARGET_NOT_WRITABLE, "target directory " + parent +
                " is not writable");
        }
        return abs;
    }

    /**
     * Places a complete task's content at {@code target} atomically: a temporary file next to the target (hard
     * link or copy, per {@link PlacementMode}) renamed over it. Nothing is left at the target on failure.
     *
     * @param handle complete task.
     * @param target target path, checked with {@link #checkTarget}.
     * @return true when the result was hard-linked, false when copied.
     */
    public boolean place(final TaskHandle handle, final Path target)
    {
        if (!handle.isComplete())
        {
            throw new StarlingException(ErrorCode.INTERNAL, "task " + handle.id() + " is not complete");
        }
        final Path abs = checkTarget(target);
        final Path tmp = abs.resolveSibling("." + abs.getFileName() + ".starling-" +
            Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean linked = false;
        try
        {
            if (ctx.placementMode() == PlacementMode.LINK)
            {
                try
                {
                    Files.createLink(tmp, handle.contentPath());
                    linked = true;
                }
                catch (final IOException | UnsupportedOperationException ex)
                {
                    logLinkFallback(ex);
                }
            }
            if (!linked)
            {
                copy(handle, tmp);
            }
            try
            {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            // rename(2) between two links of one inode succeeds without removing the source.
            Files.deleteIfExists(tmp);
            return linked;
        }
        catch (final IOException ex)
        {
            deleteQuietly(tmp);
            if (ex instanceof AccessDeniedException || ex instanceof NoSuchFileException)
            {
                throw new StarlingException(ErrorCode.TARGET_NOT_WRITABLE, "cannot write " + target + ": " + ex, ex);
            }
            throw ioError("place the result at " + target, ex);
        }
        catch (final RuntimeException ex)
        {
            deleteQuietly(tmp);
            throw ex;
        }
    }

    private synchronized void logLinkFallback(final Exception ex)
    {
        if (!linkFallbackLogged)
        {
            linkFallbackLogged = true;
            LOG.info("cannot hard-link results out of {} ({}); copying them instead", dataDir, ex.toString());
        }
    }

    private static void copy(final TaskHandle handle, final Path tmp) throws IOException
    {
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            final FileChannel in = handle.channel();
            final long length = handle.layout().contentLengthBytes();
            long position = 0;
            while (position < length)
            {
                position += in.transferTo(position, length - position, out);
            }
            out.force(false);
        }
    }

    private static void deleteQuietly(final Path p)
    {
        try
        {
            Files.deleteIfExists(p);
        }
        catch (final IOException ignore)
        {
            // best effort: the error that got us here is the one to report
        }
    }

    /**
     * Maps an I/O failure in the store to a stable error: a full file system is {@link ErrorCode#DISK_FULL}.
     *
     * @param what what was being done, for the message.
     * @param ex   the failure.
     * @return the error to throw.
     */
    public static StarlingException ioError(final String what, final IOException ex)
    {
        final String msg = String.valueOf(ex.getMessage());
        if (msg.contains("No space left") || msg.contains("Disk quota exceeded"))
        {
            return new StarlingException(ErrorCode.DISK_FULL, "cannot " + what + ": the file system is full; " +
                "free space, lower --quota or move --data-dir", ex);
        }
        if (ex instanceof FileSystemException && msg.contains("Read-only file system"))
        {
            return new StarlingException(ErrorCode.DATA_DIR_UNUSABLE, "cannot " + what + ": read-only file system", ex);
        }
        return new StarlingException(ErrorCode.DATA_DIR_UNUSABLE, "cannot " + what + ": " + ex, ex);
    }

    @Override
    public synchronized void close()
    {
        for (final TaskHandle h : new ArrayList<>(open.values()))
        {
            h.refs = 1;
            h.close();
        }
        index.close();
        lock.close();
    }

    private record Candidate(TaskId id, long lengthBytes, boolean complete, long lastAccessEpochMs)
    {
    }
}
