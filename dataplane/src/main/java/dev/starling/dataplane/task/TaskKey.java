package dev.starling.dataplane.task;

import java.util.Arrays;

/**
 * A task id's 32 bytes as a hash-map key. A lookup rewrites one probe instance in place ({@link #set}), so finding
 * a task by the bytes of a message or a request allocates nothing; keys stored in a map are copies
 * ({@link #copyOf}) and are never changed. A probe belongs to one thread.
 */
public final class TaskKey
{
    private final byte[] bytes;
    private int hash;

    private TaskKey(final byte[] bytes)
    {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /**
     * @return a probe to {@link #set} before each lookup.
     */
    public static TaskKey probe()
    {
        return new TaskKey(new byte[TaskId.LENGTH_BYTES]);
    }

    /**
     * @param id the task id's bytes; caller retains (copied).
     * @return a key to store.
     */
    public static TaskKey copyOf(final byte[] id)
    {
        return new TaskKey(Arrays.copyOf(id, TaskId.LENGTH_BYTES));
    }

    /**
     * Rewrites this probe.
     *
     * @param id the task id's bytes; caller retains.
     * @return this.
     */
    public TaskKey set(final byte[] id)
    {
        System.arraycopy(id, 0, bytes, 0, TaskId.LENGTH_BYTES);
        hash = Arrays.hashCode(bytes);
        return this;
    }

    /**
     * Rehashes after the bytes were written in place through {@link #bytes()}.
     *
     * @return this.
     */
    public TaskKey rehash()
    {
        hash = Arrays.hashCode(bytes);
        return this;
    }

    /**
     * @return the bytes, to fill a probe in place; never change a stored key's.
     */
    public byte[] bytes()
    {
        return bytes;
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof TaskKey && Arrays.equals(bytes, ((TaskKey)o).bytes);
    }

    @Override
    public int hashCode()
    {
        return hash;
    }
}
