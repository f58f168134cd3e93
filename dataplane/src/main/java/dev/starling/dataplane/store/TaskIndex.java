package dev.starling.dataplane.store;

import java.util.function.BiConsumer;

/**
 * The persisted task index: task id → {@link TaskRecord}. The project's own seam over the storage engine
 * (Chronicle Map today), so it can be swapped.
 * <p>
 * Keys are 32-byte task ids; the caller retains every array passed in. Implementations are thread-safe per key;
 * callers keep one writer per task.
 */
public interface TaskIndex extends AutoCloseable
{
    /**
     * Reads a record into {@code into}, reusing its array when the length matches.
     *
     * @param key  32-byte task id; caller retains.
     * @param into record to fill.
     * @return true when found, false when the index has no such task.
     */
    boolean read(byte[] key, TaskRecord into);

    /**
     * Writes a whole record, creating or replacing it. A replacement of equal length is written in place and
     * allocates nothing.
     *
     * @param key    32-byte task id; caller retains.
     * @param record the record; caller retains.
     */
    void write(byte[] key, TaskRecord record);

    /**
     * @param key 32-byte task id; caller retains.
     * @return true when a record was removed.
     */
    boolean remove(byte[] key);

    /**
     * Visits every record. The arrays handed to the visitor are copies it may keep.
     *
     * @param visitor receives (key, record bytes).
     */
    void forEach(BiConsumer<byte[], byte[]> visitor);

    /**
     * @return number of tasks in the index.
     */
    long size();

    @Override
    void close();
}
