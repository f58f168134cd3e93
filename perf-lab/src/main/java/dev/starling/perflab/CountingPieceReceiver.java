package dev.starling.perflab;

import dev.starling.dataplane.transport.PieceReceiver;
import dev.starling.dataplane.transport.PieceStatus;

import java.nio.ByteBuffer;

/**
 * Reusable {@link PieceReceiver}s for the requests of one connection, one per request slot ({@code request mod}
 * {@value #SLOTS}): each counts its piece's bytes on the connection's I/O thread, notes when the request ended, and
 * publishes the end by a volatile write of the request's number, which the requesting thread waits on by spinning,
 * then yielding. Requests may interleave and end in any order (the RDMA provider starts a piece when its descriptor
 * arrives and delivers its bytes when its READ completes). Nothing is allocated per request unless one fails.
 * <p>
 * At most {@value #SLOTS} requests may be in flight.
 */
final class CountingPieceReceiver
{
    /** Busy spins before each wait starts yielding: short, because the I/O threads may need this core. */
    private static final int SPINS_BEFORE_YIELD = 64;
    /** Request slots: a power of two, at least the requests in flight. */
    static final int SLOTS = 16;

    private final Slot[] slots = new Slot[SLOTS];

    CountingPieceReceiver()
    {
        for (int i = 0; i < SLOTS; i++)
        {
            slots[i] = new Slot();
        }
    }

    /**
     * @param request the request's number, counting from 1 in the order made.
     * @return the receiver to make it with; the previous request in its slot must have ended.
     */
    PieceReceiver forRequest(final long request)
    {
        final Slot slot = slots[(int)request & (SLOTS - 1)];
        slot.request = request;
        return slot;
    }

    /**
     * @param request a request that has ended ({@link #awaitEnded}), with fewer than {@value #SLOTS} made since.
     * @return {@link System#nanoTime()} when it ended, on the I/O thread.
     */
    long endNs(final long request)
    {
        return slots[(int)request & (SLOTS - 1)].endNs;
    }

    /**
     * Waits until a request has ended: spins briefly, then yields the core.
     *
     * @param request   the request's number.
     * @param timeoutNs how long to wait before giving up.
     * @return bytes of its piece received.
     * @throws IllegalStateException when the request failed or the wait timed out: the benchmark cannot go on.
     */
    long awaitEnded(final long request, final long timeoutNs)
    {
        final Slot slot = slots[(int)request & (SLOTS - 1)];
        int spins = 0;
        long deadlineNs = 0;
        while (slot.ended != request)
        {
            if (spins < SPINS_BEFORE_YIELD)
            {
                spins++;
                Thread.onSpinWait();
                continue;
            }
            final long nowNs = System.nanoTime();
            if (deadlineNs == 0)
            {
                deadlineNs = nowNs + timeoutNs;
            }
            else if (nowNs - deadlineNs > 0)
            {
                throw new IllegalStateException("no answer to piece request " + request + " within " +
                    timeoutNs / 1_000_000 + " ms");
            }
            Thread.yield();
        }
        if (slot.failedStatus != null)
        {
            throw new IllegalStateException("piece request " + request + " failed: " + slot.failedStatus + ": " +
                slot.failedReason);
        }
        return slot.bytes;
    }

    /**
     * One request's receiver. Only the I/O thread writes its fields after {@link #forRequest}; the volatile write of
     * {@link #ended} publishes the byte count, end time and failure written before it.
     */
    private static final class Slot implements PieceReceiver
    {
        private long request;
        private long bytes;
        private long endNs;
        private PieceStatus failedStatus;
        private String failedReason;
        private volatile long ended;

        @Override
        public void onPieceStart(final int pieceIndex, final int length, final byte[] digest)
        {
            bytes = 0;
        }

        @Override
        public void onPieceData(final ByteBuffer data)
        {
            bytes += data.remaining();
        }

        @Override
        public void onPieceEnd()
        {
            endNs = System.nanoTime();
            ended = request;
        }

        @Override
        public void onPieceFailed(final PieceStatus status, final String reason)
        {
            failedStatus = status;
            failedReason = reason;
            endNs = System.nanoTime();
            ended = request;
        }
    }
}
