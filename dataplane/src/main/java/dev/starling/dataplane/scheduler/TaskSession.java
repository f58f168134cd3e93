package dev.starling.dataplane.scheduler;

import dev.starling.dataplane.scheduler.codec.DigestAlgorithm;
import dev.starling.dataplane.scheduler.codec.FailureReason;
import dev.starling.dataplane.scheduler.codec.MessageHeaderEncoder;
import dev.starling.dataplane.scheduler.codec.PeerLeftEncoder;
import dev.starling.dataplane.scheduler.codec.PieceFailedEncoder;
import dev.starling.dataplane.scheduler.codec.PieceFinishedEncoder;
import dev.starling.dataplane.scheduler.codec.RegisterTaskEncoder;
import dev.starling.dataplane.scheduler.codec.TaskFailedEncoder;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.PieceDigest;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.task.TaskId;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * One task's conversation with the scheduler, as its download's coordinator sees it.
 * <p>
 * Threading: the coordinator (one thread) calls every method except {@link #deliver}, which the
 * {@link SchedulerClient}'s agent calls. Messages for the task cross from the agent to the coordinator through a
 * one-to-one ring buffer, copied once, and are read with {@link #poll}; outbound messages are encoded into this
 * session's own buffer and offered to the client's publication, which is thread-safe. Nothing here allocates per
 * piece.
 */
public final class TaskSession implements AutoCloseable
{
    private static final int INBOUND_CAPACITY_BYTES = 1024 * 1024;
    private static final int OUTBOUND_BYTES = 16 * 1024;

    private final SchedulerClient client;
    private final TaskId taskId;
    private final byte[] taskKey;
    private final String url;
    /** Dropped (set to null) once the download completes: a held task keeps no buffers. */
    private volatile OneToOneRingBuffer inbound;
    private UnsafeBuffer outbound;
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final RegisterTaskEncoder registerTask = new RegisterTaskEncoder();
    private final PieceFinishedEncoder pieceFinished = new PieceFinishedEncoder();
    private final PieceFailedEncoder pieceFailed = new PieceFailedEncoder();
    private final TaskFailedEncoder taskFailed = new TaskFailedEncoder();
    private final PeerLeftEncoder peerLeft = new PeerLeftEncoder();
    private volatile boolean overflowed;
    private volatile boolean downloading = true;
    private volatile TaskHandle held;
    /** Announces a task found complete in the store at start, opening it only to read its pieces. */
    private boolean stored;
    private volatile long contentLengthBytes = -1;
    private volatile int pieceLengthBytes;
    private volatile PieceDigest pieceDigest = PieceDigest.SHA256;
    private volatile String etag = "";

    private final boolean sourceGranted;

    TaskSession(final SchedulerClient client, final TaskId taskId, final String url, final boolean sourceGranted)
    {
        this(client, taskId, url, sourceGranted, null);
    }

    /**
     * @param stored a task complete in the store that this session only announces (the caller retains it and
     *               closes it), or null for a download's session. A stored session allocates no buffers and keeps no
     *               handle open: it registers the task, reading its pieces from the store, whenever the scheduler
     *               asks who holds what, so the store can still evict the task.
     */
    TaskSession(final SchedulerClient client, final TaskId taskId, final String url, final boolean sourceGranted,
        final TaskHandle stored)
    {
        this.sourceGranted = sourceGranted;
        this.client = client;
        this.taskId = taskId;
        this.taskKey = taskId.toBytes();
        this.url = url;
        if (stored == null)
        {
            inbound = new OneToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(INBOUND_CAPACITY_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
            outbound = new UnsafeBuffer(ByteBuffer.allocateDirect(OUTBOUND_BYTES));
        }
        else
        {
            final PieceLayout layout = stored.layout();
            contentLengthBytes = layout.contentLengthBytes();
            pieceLengthBytes = layout.pieceLengthBytes();
            pieceDigest = stored.pieceDigest();
            etag = stored.etag() == null ? "" : stored.etag();
            this.stored = true;
            downloading = false;
        }
    }

    /**
     * @return the task.
     */
    public TaskId taskId()
    {
        return taskId;
    }

    /**
     * @return the origin URL this session registered.
     */
    public String url()
    {
        return url;
    }

    /**
     * @return true when the scheduler already asked this node to fetch the task from its origin (it is the seed),
     * before the download started.
     */
    public boolean sourceGranted()
    {
        return sourceGranted;
    }

    /**
     * @return this daemon's peer id (to recognise itself in candidate lists).
     */
    public long selfPeerId()
    {
        return client.host().peerId();
    }

    /**
     * @return true while the scheduler is reachable.
     */
    public boolean schedulerConnected()
    {
        return client.isConnected();
    }

    /**
     * Registers (or re-registers) the task, with the layout when this peer knows it.
     *
     * @param layout      the layout, or null when unknown.
     * @param pieceDigest the piece digest algorithm of the task.
     * @param etag        the origin's ETag, or null.
     * @return true when the message went out.
     */
    public boolean registerTask(final PieceLayout layout, final PieceDigest pieceDigest, final String etag)
    {
        if (layout != null)
        {
            this.contentLengthBytes = layout.contentLengthBytes();
            this.pieceLengthBytes = layout.pieceLengthBytes();
            this.pieceDigest = pieceDigest;
            this.etag = etag == null ? "" : etag;
        }
        return sendRegisterTask(outbound, registerTask, header);
    }

    boolean sendRegisterTask(final UnsafeBuffer buffer, final RegisterTaskEncoder encoder, final MessageHeaderEncoder hdr)
    {
        final long length = contentLengthBytes;
        final int pieceLength = pieceLengthBytes;
        encoder.wrapAndApplyHeader(buffer, 0, hdr)
            .peerId(client.host().peerId())
            .putTaskId(taskKey, 0, 32)
            .contentLength(length)
            .pieceLength(length < 0 ? 0 : pieceLength)
            .pieceCount(length < 0 ? 0 : PieceLayout.of(length, pieceLength).pieceCount())
            .digestAlgorithm(pieceDigest == PieceDigest.CRC32C ? DigestAlgorithm.CRC32C : DigestAlgorithm.SHA256)
            .contentAddressed((short)(taskId.contentAddressed() ? 1 : 0))
            .url(url)
            .etag(length < 0 ? "" : etag);
        return client.offer(buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    /**
     * Reports a piece this peer now holds, verified.
     *
     * @param pieceIndex   the piece.
     * @param parentPeerId the parent it came from, 0 for the origin, -1 for a piece held before.
     * @param costNs       how long the fetch took.
     * @param digest       its digest; caller retains.
     * @param digestOffset where the 32 bytes start in {@code digest}.
     * @return true when the message went out.
     */
    public boolean pieceFinished(
        final int pieceIndex, final long parentPeerId, final long costNs, final byte[] digest, final int digestOffset)
    {
        pieceFinished.wrapAndApplyHeader(outbound, 0, header)
            .peerId(client.host().peerId())
            .putTaskId(taskKey, 0, 32)
            .pieceIndex(pieceIndex)
            .parentPeerId(parentPeerId)
            .costNs(costNs)
            .putDigest(digest, digestOffset, 32);
        return client.offer(outbound, MessageHeaderEncoder.ENCODED_LENGTH + pieceFinished.encodedLength());
    }

    /**
     * Reports a piece that could not be had from a parent.
     *
     * @param pieceIndex   the piece.
     * @param parentPeerId the parent (0 for the origin).
     * @param reason       why.
     * @return true when the message went out.
     */
    public boolean pieceFailed(final int pieceIndex, final long parentPeerId, final FailureReason reason)
    {
        pieceFailed.wrapAndApplyHeader(outbound, 0, header)
            .peerId(client.host().peerId())
            .putTaskId(taskKey, 0, 32)
            .pieceIndex(pieceIndex)
            .parentPeerId(parentPeerId)
            .reason(reason);
        return client.offer(outbound, MessageHeaderEncoder.ENCODED_LENGTH + pieceFailed.encodedLength());
    }

    /**
     * Reports that this peer gave the task up.
     *
     * @param exitCode the error's exit code.
     */
    public void taskFailed(final int exitCode)
    {
        taskFailed.wrapAndApplyHeader(outbound, 0, header)
            .peerId(client.host().peerId())
            .putTaskId(taskKey, 0, 32)
            .errorCode(exitCode);
        client.offer(outbound, MessageHeaderEncoder.ENCODED_LENGTH + taskFailed.encodedLength());
    }

    /**
     * Reads the messages the scheduler sent for this task since the last call.
     *
     * @param handler called with (templateId, buffer, offset, length) of each message, header included.
     * @param limit   most messages to read.
     * @return messages read.
     */
    public int poll(final MessageHandler handler, final int limit)
    {
        final OneToOneRingBuffer in = inbound;
        return in == null ? 0 : in.read(handler, limit);
    }

    /**
     * @return true once, after inbound messages were dropped because the coordinator fell behind; the coordinator
     * then registers again so that the scheduler resends the task's state.
     */
    public boolean takeOverflow()
    {
        if (overflowed)
        {
            overflowed = false;
            return true;
        }
        return false;
    }

    /**
     * The download finished: from now on the session only holds the task for other peers, and the client
     * re-registers it on its own when the scheduler asks.
     *
     * @param handle the complete task; the session takes its own reference through the store.
     */
    public void onDownloadComplete(final TaskHandle handle)
    {
        held = client.retain(handle);
        downloading = false;
        // The agent may still be writing into the ring buffer it read before; it keeps its own reference.
        inbound = null;
        outbound = null;
    }

    /**
     * Ends the session: the scheduler is told this peer no longer has the task when it holds nothing to serve.
     */
    @Override
    public void close()
    {
        if (downloading)
        {
            downloading = false;
            peerLeft.wrapAndApplyHeader(outbound, 0, header)
                .peerId(client.host().peerId())
                .putTaskId(taskKey, 0, 32);
            client.offer(outbound, MessageHeaderEncoder.ENCODED_LENGTH + peerLeft.encodedLength());
            client.remove(this);
        }
    }

    boolean isDownloading()
    {
        return downloading;
    }

    TaskHandle held()
    {
        return held;
    }

    boolean isStored()
    {
        return stored;
    }

    byte[] taskKey()
    {
        return taskKey;
    }

    /**
     * Called by the client's agent with a message for this task.
     */
    void deliver(final int templateId, final DirectBuffer buffer, final int offset, final int length)
    {
        final OneToOneRingBuffer in = inbound;
        if (in != null && !in.write(templateId, buffer, offset, length))
        {
            overflowed = true;
        }
    }
}
