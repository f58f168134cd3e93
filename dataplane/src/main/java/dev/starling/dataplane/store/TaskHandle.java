package dev.starling.dataplane.store;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceDigest;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.task.TaskId;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * One open task in the {@link PieceStore}: its content file and its index record.
 * <p>
 * Threading: {@link #write} may be called from any thread (positional writes to disjoint ranges). Everything that
 * reads or changes the record ({@link #commitPiece}, {@link #complete}, {@link #isPieceFinished}, ...) belongs to
 * one owner thread, the task's coordinator. A piece counts as finished only after {@link #commitPiece}: its bytes
 * are written (and forced to disk under {@link FsyncPolicy#PIECE}) before the index marks it, so a half-written
 * piece is never reported as held.
 */
public final class TaskHandle implements AutoCloseable
{
    private final PieceStore store;
    private final TaskId id;
    private final byte[] key;
    private final PieceLayout layout;
    private final TaskRecord record;
    /** Replaced only by {@link #reset()}, which runs when no write is in flight. */
    private FileChannel channel;
    private final Path contentPath;
    private final FsyncPolicy fsyncPolicy;
    /** References held on this handle; guarded by the store. */
    int refs = 1;
    /** Whether a download owns this handle's record; guarded by the store. */
    boolean downloading;

    TaskHandle(
        final PieceStore store,
        final TaskId id,
        final PieceLayout layout,
        final TaskRecord record,
        final FileChannel channel,
        final Path contentPath,
        final FsyncPolicy fsyncPolicy)
    {
        this.store = store;
        this.id = id;
        this.key = id.toBytes();
        this.layout = layout;
        this.record = record;
        this.channel = channel;
        this.contentPath = contentPath;
        this.fsyncPolicy = fsyncPolicy;
    }

    /**
     * @return the task id.
     */
    public TaskId id()
    {
        return id;
    }

    /**
     * @return how the content is cut into pieces.
     */
    public PieceLayout layout()
    {
        return layout;
    }

    /**
     * @return the content file (complete only once {@link #isComplete()}).
     */
    public Path contentPath()
    {
        return contentPath;
    }

    /**
     * @return the content file's channel for positional reads; owned by this handle, do not close it.
     */
    public FileChannel channel()
    {
        return channel;
    }

    /**
     * Writes content bytes at their offset. Thread-safe for disjoint ranges. Caller retains {@code src}; its
     * position advances by the bytes written.
     *
     * @param contentOffset offset in the content.
     * @param src           bytes to write, typically a direct buffer straight from the network.
     * @throws StarlingException {@link ErrorCode#DISK_FULL} or {@link ErrorCode#DATA_DIR_UNUSABLE}.
     */
    public void write(final long contentOffset, final ByteBuffer src)
    {
        long position = contentOffset;
        try
        {
            while (src.hasRemaining())
            {
                position += channel.write(src, position);
            }
        }
        catch (final IOException ex)
        {
            throw PieceStore.ioError("write to " + contentPath, ex);
        }
    }

    /**
     * Marks a piece finished and records its digest, after its bytes are written. Owner thread only.
     *
     * @param pieceIndex   piece.
     * @param digest       the piece's sha256; caller retains.
     * @param digestOffset where the 32 digest bytes start in {@code digest}.
     */
    public void commitPiece(final int pieceIndex, final byte[] digest, final int digestOffset)
    {
        if (fsyncPolicy == FsyncPolicy.PIECE)
        {
            force();
        }
        record.markPieceFinished(pieceIndex, digest, digestOffset);
        // Publish the digest before the bit to threads that serve the piece (they read with an acquire fence).
        java.lang.invoke.VarHandle.releaseFence();
        store.index().write(key, record);
    }

    /**
     * Marks the task complete (every piece finished), recording the content digest when known. Owner thread only.
     *
     * @param contentDigest the verified sha256 of the whole content, or null when not computed.
     */
    public void complete(final Digest contentDigest)
    {
        if (record.finishedCount() != layout.pieceCount())
        {
            throw new StarlingException(ErrorCode.INTERNAL, "task " + id + " completed with " +
                record.finishedCount() + " of " + layout.pieceCount() + " pieces");
        }
        if (fsyncPolicy != FsyncPolicy.NONE)
        {
            force();
        }
        if (contentDigest != null)
        {
            record.contentDigest(contentDigest);
        }
        record.state(TaskState.COMPLETE);
        record.lastAccessEpochMs(System.currentTimeMillis());
        store.index().write(key, record);
    }

    /**
     * Forgets every finished piece so the task is fetched again (the origin content changed, or the content
     * failed its digest), on a new content file so that a result linked out of the store earlier stays as it
     * was. Owner thread only, with no write in flight.
     */
    public void reset()
    {
        channel = store.freshContent(this);
        final PieceDigest algorithm = record.pieceDigest();
        final String etag = record.etag();
        record.init(layout.pieceCount(), layout.contentLengthBytes(), layout.pieceLengthBytes(),
            id.contentAddressed(), System.currentTimeMillis());
        record.pieceDigest(algorithm);
        record.etag(etag);
        store.index().write(key, record);
    }

    private void force()
    {
        try
        {
            channel.force(false);
        }
        catch (final IOException ex)
        {
            throw PieceStore.ioError("fsync " + contentPath, ex);
        }
    }

    /**
     * @param pieceIndex piece.
     * @return true when the piece is written and verified.
     */
    public boolean isPieceFinished(final int pieceIndex)
    {
        return record.isPieceFinished(pieceIndex);
    }

    /**
     * For threads other than the owner (a piece server): whether the piece is finished, and if so its digest,
     * read after an acquire fence so the digest is the one committed with the bit.
     *
     * @param pieceIndex piece.
     * @param digest     receives the 32-byte digest when finished; caller retains.
     * @return true when finished.
     */
    public boolean readFinishedPiece(final int pieceIndex, final byte[] digest)
    {
        if (!record.isPieceFinished(pieceIndex))
        {
            return false;
        }
        java.lang.invoke.VarHandle.acquireFence();
        record.pieceDigest(pieceIndex, digest, 0);
        return true;
    }

    /**
     * @param pieceIndex piece; must be finished.
     * @param dst        receives the 32-byte sha256; caller retains.
     * @param dstOffset  where to write.
     */
    public void pieceDigest(final int pieceIndex, final byte[] dst, final int dstOffset)
    {
        record.pieceDigest(pieceIndex, dst, dstOffset);
    }

    /**
     * @return how this task's pieces are digested.
     */
    public PieceDigest pieceDigest()
    {
        return record.pieceDigest();
    }

    /**
     * @return finished pieces.
     */
    public int finishedCount()
    {
        return record.finishedCount();
    }

    /**
     * @return bytes held in finished pieces.
     */
    public long finishedBytes()
    {
        final int count = layout.pieceCount();
        if (count == 0 || record.finishedCount() == 0)
        {
            return 0;
        }
        final boolean lastFinished = record.isPieceFinished(count - 1);
        final long full = (long)(record.finishedCount() - (lastFinished ? 1 : 0)) * layout.pieceLengthBytes();
        return full + (lastFinished ? layout.pieceLength(count - 1) : 0);
    }

    /**
     * @return true when the task is complete and verified.
     */
    public boolean isComplete()
    {
        return record.state() == TaskState.COMPLETE;
    }

    /**
     * @return the recorded content digest, or null.
     */
    public Digest contentDigest()
    {
        return record.contentDigest();
    }

    /**
     * @return the origin ETag recorded with the task, or null.
     */
    public String etag()
    {
        return record.etag();
    }

    /**
     * Ends this handle's download: its record no longer changes, and another download may take the handle over.
     * Owner thread; the handle stays open.
     */
    public void endDownload()
    {
        store.endDownload(this);
    }

    /**
     * Releases one reference to this handle; the task stays in the store. The last release closes its file.
     */
    @Override
    public void close()
    {
        store.release(this);
    }


}
