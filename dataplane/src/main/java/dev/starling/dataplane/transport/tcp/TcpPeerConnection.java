package dev.starling.dataplane.transport.tcp;

import dev.starling.dataplane.transport.PeerConnection;
import dev.starling.dataplane.transport.PieceProtocol;
import dev.starling.dataplane.transport.PieceReceiver;
import dev.starling.dataplane.transport.PieceStatus;
import dev.starling.dataplane.transport.RemoteReadClient;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP connection to one peer's piece server. Requests from the connection's own event loop go straight out.
 * Requests from other threads are copied into a reusable {@link QueuedRequest} slot and put on a many-to-one
 * queue; one preallocated task, scheduled on the event loop only when no pass over the queue is already
 * pending, sends them in order and returns the slots to a free list. In steady state a request allocates
 * nothing on either thread.
 * <p>
 * Ownership: the requesting thread owns a slot from taking it off the free list until it is queued; the event
 * loop owns it from the poll until it is back on the free list.
 */
final class TcpPeerConnection implements PeerConnection
{
    private static final int REQUEST_FRAME_LENGTH = PieceProtocol.HEADER_LENGTH + PieceProtocol.REQUEST_BODY_LENGTH;

    /**
     * Requests queued for the event loop before further ones fall back to a task each. The free list holds as
     * many slots; it fills lazily, up to the most requests ever waiting at once.
     */
    static final int REQUEST_QUEUE_CAPACITY = 256;

    private final Channel channel;
    private final PieceClientHandler handler;
    private final InetSocketAddress remote;
    private final ManyToOneConcurrentArrayQueue<QueuedRequest> queuedRequests =
        new ManyToOneConcurrentArrayQueue<>(REQUEST_QUEUE_CAPACITY);
    private final ManyToManyConcurrentArrayQueue<QueuedRequest> freeRequests =
        new ManyToManyConcurrentArrayQueue<>(REQUEST_QUEUE_CAPACITY);
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainQueuedRequests = this::drainQueuedRequests;
    private final RemoteReadClient.Session remoteReads;
    private int nextRequestId;

    /**
     * @param channel     the connection, active.
     * @param handler     its response handler.
     * @param remote      the peer.
     * @param remoteReads the connection's remote-read session (already given to the handler), or null.
     */
    TcpPeerConnection(
        final Channel channel,
        final PieceClientHandler handler,
        final InetSocketAddress remote,
        final RemoteReadClient.Session remoteReads)
    {
        this.channel = channel;
        this.handler = handler;
        this.remote = remote;
        this.remoteReads = remoteReads;
    }

    /**
     * {@inheritDoc}
     *
     * @throws RejectedExecutionException when the transport has shut down the connection's event loop.
     */
    @Override
    public void requestPiece(final byte[] taskId, final int pieceIndex, final PieceReceiver receiver)
    {
        if (channel.eventLoop().inEventLoop())
        {
            send(taskId, pieceIndex, receiver);
            return;
        }

        QueuedRequest request = freeRequests.poll();
        if (request == null)
        {
            request = new QueuedRequest();
        }
        System.arraycopy(taskId, 0, request.taskId, 0, request.taskId.length);
        request.pieceIndex = pieceIndex;
        request.receiver = receiver;

        if (!queuedRequests.offer(request))
        {
            // The event loop is REQUEST_QUEUE_CAPACITY requests behind: rare, so a task of its own will do. It
            // still runs after the pass already scheduled for the queued ones, so a thread's requests keep their
            // order.
            final QueuedRequest overflow = request;
            channel.eventLoop().execute(() -> sendQueued(overflow));
            return;
        }

        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true))
        {
            try
            {
                channel.eventLoop().execute(drainQueuedRequests);
            }
            catch (final RejectedExecutionException ex)
            {
                drainScheduled.set(false);
                throw ex;
            }
        }
    }

    private void drainQueuedRequests()
    {
        // Cleared before polling: a request queued from here on is either polled below or schedules another pass.
        drainScheduled.set(false);
        QueuedRequest request;
        while ((request = queuedRequests.poll()) != null)
        {
            sendQueued(request);
        }
    }

    private void sendQueued(final QueuedRequest request)
    {
        final PieceReceiver receiver = request.receiver;
        request.receiver = null;
        send(request.taskId, request.pieceIndex, receiver);
        // send() has copied the task id into the frame. A slot beyond the free list's capacity goes to the GC.
        freeRequests.offer(request);
    }

    private void send(final byte[] taskId, final int pieceIndex, final PieceReceiver receiver)
    {
        if (!channel.isActive())
        {
            receiver.onPieceFailed(PieceStatus.ERROR, "connection to " + remote + " is closed");
            return;
        }
        final int requestId = nextRequestId++;
        handler.register(requestId, receiver);
        final ByteBuf frame = channel.alloc().directBuffer(REQUEST_FRAME_LENGTH);
        final int flags = remoteReads != null && remoteReads.ready() ? PieceProtocol.FLAG_REMOTE_READ : 0;
        PieceProtocol.writeRequest(frame, requestId, taskId, pieceIndex, flags);
        channel.writeAndFlush(frame, channel.voidPromise());
    }

    @Override
    public InetSocketAddress remoteAddress()
    {
        return remote;
    }

    @Override
    public boolean isOpen()
    {
        return channel.isActive();
    }

    @Override
    public void close()
    {
        channel.close().syncUninterruptibly();
    }

    /**
     * A request made off the event loop, waiting for it: a copy of the task id, the piece and the receiver.
     */
    static final class QueuedRequest
    {
        final byte[] taskId = new byte[32];
        int pieceIndex;
        PieceReceiver receiver;
    }
}
