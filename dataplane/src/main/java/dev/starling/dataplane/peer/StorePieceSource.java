package dev.starling.dataplane.peer;

import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.TaskId;
import dev.starling.dataplane.transport.PieceRegion;
import dev.starling.dataplane.transport.PieceSource;
import dev.starling.dataplane.transport.PieceStatus;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves finished pieces of the tasks in a {@link PieceStore}, and nothing else: a request names a task id and a
 * piece index, never a path. Tasks are opened for serving on first request and kept open (sharing the handle of
 * a download in progress, so pieces are served as soon as they are committed). Lookups of open tasks take no
 * lock and allocate nothing: the probe key is per thread.
 */
public final class StorePieceSource implements PieceSource, AutoCloseable
{
    private final PieceStore store;
    private final DataplaneMetrics metrics;
    private final Map<Key, TaskHandle> served = new ConcurrentHashMap<>();
    private final ThreadLocal<Key> probe = ThreadLocal.withInitial(() -> new Key(new byte[32]));

    /**
     * @param store   the store; caller retains.
     * @param metrics counters for served bytes and pieces; caller retains.
     */
    public StorePieceSource(final PieceStore store, final DataplaneMetrics metrics)
    {
        this.store = store;
        this.metrics = metrics;
    }

    @Override
    public PieceStatus lookup(final byte[] taskId, final int pieceIndex, final PieceRegion region)
    {
        final Key key = probe.get().set(taskId);
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
        final int length = h.layout().pieceLength(pieceIndex);
        region.set(h.channel(), h.layout().pieceOffset(pieceIndex), length);
        metrics.onServedPiece();
        metrics.onServedBytes(length);
        return PieceStatus.OK;
    }

    private TaskHandle open(final byte[] taskId)
    {
        final TaskHandle h = store.openForServing(TaskId.fromBytes(taskId, false));
        if (h == null)
        {
            return null;
        }
        final TaskHandle raced = served.putIfAbsent(new Key(taskId.clone()), h);
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

    /** A task id as a map key; the probe instance is rewritten in place for each lookup. */
    private static final class Key
    {
        private final byte[] bytes;
        private int hash;

        Key(final byte[] bytes)
        {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        Key set(final byte[] id)
        {
            System.arraycopy(id, 0, bytes, 0, 32);
            hash = Arrays.hashCode(bytes);
            return this;
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Key && Arrays.equals(bytes, ((Key)o).bytes);
        }

        @Override
        public int hashCode()
        {
            return hash;
        }
    }
}
