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
    private final Map<TaskKey, TaskHandle> served = new ConcurrentHashMap<>();
    private final ThreadLocal<TaskKey> probe = ThreadLocal.withInitial(TaskKey::probe);

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
