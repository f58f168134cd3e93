package dev.starling.dataplane.peer;

import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.TaskId;
import dev.starling.dataplane.task.TaskKey;
import dev.starling.dataplane.transport.PieceRegion;
import dev.starling.dataplane.transport.PieceSource;
import dev.starling.dataplane.transport.PieceStatus;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Serves finished pieces of the tasks in a {@link PieceStore}, and nothing else: a request names a task id and a
 * piece index, never a path. Tasks are opened for serving on first request and kept open (sharing the handle of
 * a download in progress, so pieces are served as soon as they are committed). Lookups of open tasks take no
 * lock and allocate nothing: the probe key is per thread.
 * <p>
 * On a seed, pieces are <em>super-seeded</em>: until every piece of a task has gone out once, a piece that already
 * went out is answered {@link PieceStatus#BUSY}, so that the children take it from the child that has it and the
 * seed's uplink carries each piece once (BitTorrent's super-seeding). Once every piece has gone out, a piece goes
 * out again only {@link #RESEND_HOLD_NS} after it last did: long enough for its recipient to have it and the
 * scheduler to say so, after which children take it from there (a child asks a seed only for pieces no other live
 * parent holds); a child that left with the only other copy delays the piece by that hold, no more.
 */
public final class StorePieceSource implements PieceSource, AutoCloseable
{
    /**
     * How long after a piece started to go out a seed refuses to send it again, once every piece has gone out once.
     * The clock starts when the send does, and the last pieces of the first round go out side by side on the seed's
     * uplink (a 4 MiB piece took over a second there at 200 Mbit/s): with 1 s the hold ran out before the first
     * recipients had the pieces, and the seed sent 1.023-1.039 x S in the bench; with 3 s the recipient has had time
     * to receive it and the scheduler to say so.
     */
    static final long RESEND_HOLD_NS = TimeUnit.SECONDS.toNanos(3);

    private final PieceStore store;
    private final LongSupplier nanoClock;
    private final DataplaneMetrics metrics;
    private final boolean superSeed;
    private final Map<TaskKey, TaskHandle> served = new ConcurrentHashMap<>();
    private final Map<TaskKey, SentOnce> sentOnce = new ConcurrentHashMap<>();
    private final ThreadLocal<TaskKey> probe = ThreadLocal.withInitial(TaskKey::probe);

    /**
     * Which pieces of one task went out at least once, and when each last did. Guarded by itself (the piece server's
     * event loops).
     */
    private static final class SentOnce
    {
        private final long[] sent;
        private final long[] lastSentNs;
        private final int pieceCount;
        private int sentCount;

        SentOnce(final int pieceCount)
        {
            this.pieceCount = pieceCount;
            this.sent = new long[(pieceCount + 63) >>> 6];
            this.lastSentNs = new long[pieceCount];
        }

        /** @return true when the piece may go out now, and records that it did. */
        synchronized boolean admit(final int piece, final long nowNs)
        {
            final long bit = 1L << piece;
            if ((sent[piece >>> 6] & bit) != 0)
            {
                if (sentCount < pieceCount || nowNs - lastSentNs[piece] < RESEND_HOLD_NS)
                {
                    return false;
                }
            }
            else
            {
                sent[piece >>> 6] |= bit;
                sentCount++;
            }
            lastSentNs[piece] = nowNs;
            return true;
        }
    }

    /**
     * A piece source that serves every finished piece whenever asked.
     *
     * @param store   the store; caller retains.
     * @param metrics counters for served bytes and pieces; caller retains.
     */
    public StorePieceSource(final PieceStore store, final DataplaneMetrics metrics)
    {
        this(store, metrics, false);
    }

    /**
     * @param store     the store; caller retains.
     * @param metrics   counters for served bytes and pieces; caller retains.
     * @param superSeed whether this node is a seed that sends each piece of a task once before it sends any twice.
     */
    public StorePieceSource(final PieceStore store, final DataplaneMetrics metrics, final boolean superSeed)
    {
        this(store, metrics, superSeed, System::nanoTime);
    }

    /**
     * @param store     the store; caller retains.
     * @param metrics   counters for served bytes and pieces; caller retains.
     * @param superSeed whether this node is a seed that sends each piece of a task once before it sends any twice.
     * @param nanoClock the clock of the resend hold ({@link System#nanoTime()} but in tests).
     */
    StorePieceSource(
        final PieceStore store, final DataplaneMetrics metrics, final boolean superSeed, final LongSupplier nanoClock)
    {
        this.nanoClock = nanoClock;
        this.store = store;
        this.metrics = metrics;
        this.superSeed = superSeed;
    }

    @Override
    public PieceStatus lookup(final byte[] taskId, final int pieceIndex, final PieceRegion region)
    {
        final TaskKey key = probe.get().set(taskId);
        TaskHandle h = served.get(key);
        if (h == null)
        {
            h = open(taskId);
            if (h == null)
            {
                return PieceStatus.NOT_FOUND;
            }
        }
        if (pieceIndex >= h.layout().pieceCount())
        {
            return PieceStatus.BAD_REQUEST;
        }
        if (!h.readFinishedPiece(pieceIndex, region.digest))
        {
            return PieceStatus.NOT_YET_AVAILABLE;
        }
        if (superSeed && !sentOnce(key, h).admit(pieceIndex, nanoClock.getAsLong()))
        {
            return PieceStatus.BUSY;
        }
        final int length = h.layout().pieceLength(pieceIndex);
        region.set(h.channel(), h.layout().pieceOffset(pieceIndex), length);
        metrics.onServedPiece();
        metrics.onServedBytes(length);
        return PieceStatus.OK;
    }

    private SentOnce sentOnce(final TaskKey key, final TaskHandle h)
    {
        final SentOnce s = sentOnce.get(key);
        return s != null ? s : sentOnce.computeIfAbsent(TaskKey.copyOf(key.bytes()),
            k -> new SentOnce(h.layout().pieceCount()));
    }

    private TaskHandle open(final byte[] taskId)
    {
        final TaskHandle h = store.openForServing(TaskId.fromBytes(taskId, false));
        if (h == null)
        {
            return null;
        }
        final TaskHandle raced = served.putIfAbsent(TaskKey.copyOf(taskId), h);
        if (raced != null)
        {
            h.close();
            return raced;
        }
        return h;
    }

    @Override
    public void close()
    {
        for (final TaskHandle h : served.values())
        {
            h.close();
        }
        served.clear();
    }
}
