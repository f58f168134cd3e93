package dev.starling.perflab;

import dev.starling.dataplane.transport.PieceReceiver;
import dev.starling.dataplane.transport.PieceStatus;

import java.nio.ByteBuffer;

/**
 * A reusable {@link PieceReceiver} for the requests of one connection, which end in the order they were made: it
 * counts each piece's bytes on the connection's I/O thread, notes when each request ended, and publishes the end by
 * bumping a volatile counter, which the requesting thread waits on by spinning, then yielding. Nothing is allocated
 * per request unless one fails.
 * <p>
 * Only the I/O thread writes the fields; the counter's volatile write publishes the byte count, end time and failure
 * written before it. The end times are kept for the last {@value #END_TIMES} requests, so at most that many may be in
 * flight when they are read.
 */
final class CountingPieceReceiver implements PieceReceiver
{
    /** Busy spins before each wait starts yielding: short, because the I/O threads may need this core. */
    private static final int SPINS_BEFORE_YIELD = 64;
    /** End times kept: a power of two, at least the requests in flight. */
    static final int END_TIMES = 16;

    private final long[] endNs = new long[END_TIMES];

    private long bytesInPiece;
    private long bytesInLastPiece;
    private PieceStatus failedStatus;
    private String failedReason;
    private volatile long completedRequests;

    @Override
    public void onPieceStart(final int pieceIndex, final int length, final byte[] digest)
    {
        bytesInPiece = 0;
    }

    @Override
    public void onPieceData(final ByteBuffer data)
    {
        bytesInPiece += data.remaining();
    }

    @Override
    public void onPieceEnd()
    {
        bytesInLastPiece = bytesInPiece;
        final long completed = completedRequests + 1;
        endNs[(int)completed & (END_TIMES - 1)] = System.nanoTime();
        completedRequests = completed;
    }

    @Override
    public void onPieceFailed(final PieceStatus status, final String reason)
    {
        failedStatus = status;
        failedReason = reason;
        final long completed = completedRequests + 1;
        endNs[(int)completed & (END_TIMES - 1)] = System.nanoTime();
        completedRequests = completed;
    }

    /**
     * @return requests ended so far, by {@link #onPieceEnd} or {@link #onPieceFailed}.
     */
    long completedRequests()
    {
        return completedRequests;
    }

    /**
     * @param request the request's number, counting from 1 in the order made; it has ended, and no more than
     *                {@value #END_TIMES} requests were made after it.
     * @return {@link System#nanoTime()} when it ended, on the I/O thread.
     */
    long endNs(final long request)
    {
        return endNs[(int)request & (END_TIMES - 1)];
    }

    /**
     * Waits until {@code count} requests have ended: spins briefly, then yields the core.
     *
     * @param count     the count to wait for.
     * @param timeoutNs how long to wait before giving up.
     * @return bytes of the last piece received.
     * @throws IllegalStateException when a request failed or the wait timed out: the benchmark cannot go on.
     */
    long awaitCompleted(final long count, final long timeoutNs)
    {
        int spins = 0;
        long deadlineNs = 0;
        while (completedRequests < count)
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
                throw new IllegalStateException("no answer to piece request " + count + " within " +
                    timeoutNs / 1_000_000 + " ms");
            }
            Thread.yield();
        }
        if (failedStatus != null)
        {
            throw new IllegalStateException("piece request failed: " + failedStatus + ": " + failedReason);
        }
        return bytesInLastPiece;
    }
}
