package dev.starling.rdma;

import dev.starling.dataplane.transport.PieceProtocol;
import dev.starling.dataplane.transport.PieceReceiver;
import dev.starling.dataplane.transport.PieceStatus;
import dev.starling.dataplane.transport.RemoteReadClient;
import dev.starling.rdma.verbs.Errno;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * The child's half of one piece connection's remote reads. It offers them (HELLO), connects the queue pair when the
 * parent agrees (on one of the provider's connect threads: rdma_cm blocks), then reads every piece the parent
 * describes: one chunk-sized READ at a time per piece into one of the connection's staging slots, each chunk handed
 * to the piece's receiver in order as it lands (the receiver hashes and stores it, exactly as for TCP), then a
 * RELEASE to the parent. Up to reads-in-flight pieces are read at once; more wait for a slot.
 * <p>
 * Anything that goes wrong falls back to TCP on the same connection, logged once and counted: the parent refuses,
 * the connect fails, no slot is free (the connection never asks for remote reads), or a READ fails (the piece
 * fails, the ones waiting fail, later requests go in-band). Confined to the connection's event loop except
 * {@link #ready()}, {@link #settled()} and {@link #execute}.
 */
final class ClientSession implements RemoteReadClient.Session
{
    private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
    private static final int RELEASE_FRAME_LENGTH = PieceProtocol.HEADER_LENGTH + PieceProtocol.RELEASE_BODY_LENGTH;

    private final RdmaClient client;
    private final Channel channel;
    private final EventLoop eventLoop;
    private final CompletableFuture<Void> settled = new CompletableFuture<>();
    private final ArrayDeque<ReadSlot> freeSlots = new ArrayDeque<>();
    private final ArrayDeque<PieceRead> waiting = new ArrayDeque<>();
    private final ArrayDeque<PieceRead> spare = new ArrayDeque<>();
    private volatile boolean ready;
    private Fabric.Endpoint endpoint;
    private ReadSlot[] slots;
    private boolean connecting;
    private boolean closed;
    private String broken;

    ClientSession(final RdmaClient client, final Channel channel)
    {
        this.client = client;
        this.channel = channel;
        this.eventLoop = channel.eventLoop();
        final ByteBuf hello = channel.alloc().directBuffer(PieceProtocol.HEADER_LENGTH + PieceProtocol.HELLO_BODY_LENGTH);
        PieceProtocol.writeHello(hello, client.context().readsInFlight());
        channel.writeAndFlush(hello, channel.voidPromise());
    }

    @Override
    public boolean ready()
    {
        return ready;
    }

    @Override
    public CompletableFuture<Void> settled()
    {
        return settled;
    }

    /**
     * Runs a task on the connection's event loop. Any thread.
     *
     * @return false when the event loop has shut down.
     */
    boolean execute(final Runnable task)
    {
        try
        {
            eventLoop.execute(task);
            return true;
        }
        catch (final RejectedExecutionException ex)
        {
            return false;
        }
    }

    private InetSocketAddress peer()
    {
        return (InetSocketAddress)channel.remoteAddress();
    }

    @Override
    public void onHelloAck(final ByteBuf in, final int bodyOffset)
    {
        if (closed || connecting || slots != null || settled.isDone())
        {
            return;
        }
        final int version = in.getUnsignedByte(bodyOffset);
        final int status = in.getUnsignedByte(bodyOffset + 1);
        final int port = in.getUnsignedShort(bodyOffset + 2);
        final long token = in.getLong(bodyOffset + 8);
        if (version != PieceProtocol.EXTENSION_VERSION || status != PieceProtocol.HELLO_OK)
        {
            client.fallback("peer-refused", "peer " + peer() + " does not serve remote reads (HELLO_ACK version " +
                version + ", status " + status + ")");
            settled.complete(null);
            return;
        }
        connecting = true;
        final InetSocketAddress target = new InetSocketAddress(peer().getAddress(), port);
        try
        {
            client.connectExecutor().execute(() -> establish(target, token));
        }
        catch (final RejectedExecutionException ex)
        {
            connecting = false;
            settled.complete(null);
        }
    }

    /**
     * Reserves slots and connects the queue pair. A connect thread of the provider: rdma_cm's calls block.
     */
    private void establish(final InetSocketAddress target, final long token)
    {
        final ReadSlot[] reserved = client.pool().reserve(this, client.context().readsInFlight());
        if (reserved == null)
        {
            if (!execute(() -> onEstablishFailed("staging-full", "no staging slot free for " + peer() + " (" +
                client.pool().capacity() + " slots, " + RdmaConfiguration.STAGING_BYTES_PROP + ")")))
            {
                settled.complete(null);
            }
            return;
        }
        final Fabric.Endpoint connected;
        try
        {
            connected = client.fabric().connect(target, privateData(token), client.context().readsInFlight());
        }
        catch (final RuntimeException ex)
        {
            client.pool().retire(reserved);
            if (!execute(() -> onEstablishFailed("connect-failed", "connect to " + target + ": " + ex.getMessage())))
            {
                settled.complete(null);
            }
            return;
        }
        if (!execute(() -> onEstablished(connected, reserved)))
        {
            tearDown(connected, reserved);
            settled.complete(null);
        }
    }

    /**
     * @param token the parent's token from its HELLO_ACK.
     * @return rdma_cm private data: extension version u8, 7 bytes reserved, token u64 (big-endian).
     */
    static byte[] privateData(final long token)
    {
        final byte[] data = new byte[16];
        data[0] = PieceProtocol.EXTENSION_VERSION;
        ByteBuffer.wrap(data).putLong(8, token);
        return data;
    }

    private void onEstablished(final Fabric.Endpoint connected, final ReadSlot[] reserved)
    {
        connecting = false;
        if (closed)
        {
            client.connectExecutor().execute(() -> tearDown(connected, reserved));
        }
        else
        {
            endpoint = connected;
            slots = reserved;
            for (final ReadSlot s : reserved)
            {
                freeSlots.add(s);
            }
            ready = true;
            LOG.debug("remote reads from {} over {}", peer(), client.fabric().deviceName());
        }
        settled.complete(null);
    }

    private void onEstablishFailed(final String kind, final String reason)
    {
        connecting = false;
        client.fallback(kind, reason);
        settled.complete(null);
    }

    private void tearDown(final Fabric.Endpoint connected, final ReadSlot[] reserved)
    {
        try
        {
            connected.close();
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("closing the remote-read connection to {}: {}", peer(), ex.getMessage());
        }
        client.agent().retire(reserved);
    }

    @Override
    public void onDescriptor(
        final PieceReceiver receiver, final int pieceIndex, final byte[] digest, final ByteBuf in, final int offset)
    {
        PieceRead read = spare.poll();
        if (read == null)
        {
            read = new PieceRead();
        }
        read.receiver = receiver;
        read.pieceIndex = pieceIndex;
        System.arraycopy(digest, 0, read.digest, 0, 32);
        read.remoteAddress = in.getLong(offset);
        read.rkey = in.getInt(offset + 8);
        read.length = in.getInt(offset + 12);
        read.lease = in.getInt(offset + 16);
        if (broken != null || endpoint == null)
        {
            fail(read, "remote reads from " + peer() + " stopped: " + (broken != null ? broken : "not connected"), true);
            return;
        }
        if (read.length < 0 || read.length > PieceProtocol.MAX_PIECE_LENGTH)
        {
            fail(read, "peer " + peer() + " described piece " + pieceIndex + " with length " + read.length, true);
            return;
        }
        final ReadSlot slot = freeSlots.poll();
        if (slot == null)
        {
            waiting.add(read);
        }
        else
        {
            start(read, slot);
        }
    }

    private void start(final PieceRead read, final ReadSlot slot)
    {
        slot.read = read;
        read.receiver.onPieceStart(read.pieceIndex, read.length, read.digest);
        if (read.length == 0)
        {
            finish(slot);
        }
        else
        {
            post(slot);
        }
    }

    private void post(final ReadSlot slot)
    {
        final PieceRead read = slot.read;
        final int length = Math.min(slot.view.capacity(), read.length - read.offset);
        slot.postedLength = length;
        final int rc = endpoint.postRead(
            slot.index, slot.address, slot.lkey, length, read.remoteAddress + read.offset, read.rkey);
        if (rc != 0)
        {
            slot.read = null;
            final String reason = "ibv_post_send to " + peer() + " failed: " + Errno.describe(rc);
            breakDown(reason); // counted before the receiver hears of it
            fail(read, reason, true);
            releaseSlot(slot);
        }
    }

    /**
     * A READ of this connection completed (the event loop, handed over by the completion agent).
     *
     * @param slot the slot it read into.
     */
    void onReadComplete(final ReadSlot slot)
    {
        final PieceRead read = slot.read;
        if (closed || read == null)
        {
            return;
        }
        if (slot.status != 0)
        {
            slot.read = null;
            final String reason = "RDMA READ of piece " + read.pieceIndex + " from " + peer() + " failed: " +
                client.fabric().describeStatus(slot.status);
            breakDown(reason); // counted before the receiver hears of it
            fail(read, reason, true);
            releaseSlot(slot);
            return;
        }
        final ByteBuffer chunk = slot.view;
        chunk.clear().limit(slot.postedLength);
        read.receiver.onPieceData(chunk);
        read.offset += slot.postedLength;
        if (read.offset < read.length)
        {
            post(slot);
        }
        else
        {
            finish(slot);
        }
    }

    private void finish(final ReadSlot slot)
    {
        final PieceRead read = slot.read;
        slot.read = null;
        final PieceReceiver receiver = read.receiver;
        sendRelease(read.lease);
        recycle(read);
        receiver.onPieceEnd();
        releaseSlot(slot);
    }

    private void releaseSlot(final ReadSlot slot)
    {
        final PieceRead next = broken == null && !closed ? waiting.poll() : null;
        if (next != null)
        {
            start(next, slot);
        }
        else
        {
            freeSlots.add(slot);
        }
    }

    private void fail(final PieceRead read, final String reason, final boolean release)
    {
        final PieceReceiver receiver = read.receiver;
        if (release)
        {
            sendRelease(read.lease);
        }
        recycle(read);
        receiver.onPieceFailed(PieceStatus.ERROR, reason);
    }

    /**
     * Remote reads on this connection are over: what waits fails, later requests go in-band. Counted once.
     */
    private void breakDown(final String reason)
    {
        if (broken != null)
        {
            return;
        }
        broken = reason;
        ready = false;
        client.fallback("read-failed", reason);
        PieceRead read;
        while ((read = waiting.poll()) != null)
        {
            fail(read, reason, true);
        }
    }

    private void sendRelease(final int lease)
    {
        if (channel.isActive())
        {
            final ByteBuf frame = channel.alloc().directBuffer(RELEASE_FRAME_LENGTH);
            PieceProtocol.writeRelease(frame, lease);
            channel.writeAndFlush(frame, channel.voidPromise());
        }
    }

    private void recycle(final PieceRead read)
    {
        read.clear();
        spare.add(read);
    }

    @Override
    public void close(final String reason)
    {
        if (closed)
        {
            return;
        }
        closed = true;
        ready = false;
        if (slots != null)
        {
            for (final ReadSlot slot : slots)
            {
                final PieceRead read = slot.read;
                if (read != null)
                {
                    slot.read = null;
                    fail(read, reason, false);
                }
            }
        }
        PieceRead read;
        while ((read = waiting.poll()) != null)
        {
            fail(read, reason, false);
        }
        settled.complete(null);
        if (endpoint != null)
        {
            final Fabric.Endpoint connected = endpoint;
            final ReadSlot[] reserved = slots;
            endpoint = null;
            try
            {
                client.connectExecutor().execute(() -> tearDown(connected, reserved));
            }
            catch (final RejectedExecutionException ex)
            {
                tearDown(connected, reserved);
            }
        }
    }
}
