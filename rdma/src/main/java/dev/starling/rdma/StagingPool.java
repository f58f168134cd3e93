package dev.starling.rdma;

import org.agrona.collections.IntArrayQueue;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A child's registered anonymous memory, cut into chunk-sized slots that RDMA READs land in. A connection reserves
 * its slots when it connects and gives them back after its queue pair is gone and the completion agent has taken
 * every completion that could name them ({@link CompletionAgent#retire}). The slot's index is the work request id,
 * so the agent finds the {@link ReadSlot} for a completion in this table without a lookup structure.
 * <p>
 * Reserve and retire (connection set-up and tear-down) take this pool's lock; {@link #slot} (per completion) does
 * not.
 */
final class StagingPool implements AutoCloseable
{
    private final Fabric.LocalRegion region;
    private final int chunkBytes;
    private final AtomicReferenceArray<ReadSlot> slots;
    private final IntArrayQueue free;

    /**
     * @param fabric     where to register the memory.
     * @param totalBytes pool size.
     * @param chunkBytes slot size.
     */
    StagingPool(final Fabric fabric, final long totalBytes, final int chunkBytes)
    {
        this.chunkBytes = chunkBytes;
        final int count = (int)(totalBytes / chunkBytes);
        region = fabric.allocateLocal((long)count * chunkBytes);
        slots = new AtomicReferenceArray<>(count);
        free = new IntArrayQueue(Math.max(IntArrayQueue.MIN_CAPACITY, count), -1);
        for (int i = 0; i < count; i++)
        {
            free.addInt(i);
        }
    }

    /**
     * @return slots in the pool.
     */
    int capacity()
    {
        return slots.length();
    }

    /**
     * Takes slots for a connection.
     *
     * @param owner the connection's session; the slots deliver to it alone.
     * @param count slots wanted.
     * @return the slots, or null when fewer are free.
     */
    synchronized ReadSlot[] reserve(final ClientSession owner, final int count)
    {
        if (free.size() < count)
        {
            return null;
        }
        final ReadSlot[] reserved = new ReadSlot[count];
        for (int i = 0; i < count; i++)
        {
            final int index = free.pollInt();
            final MemorySegment memory = region.memory().asSlice((long)index * chunkBytes, chunkBytes);
            reserved[i] = new ReadSlot(index, memory, region.lkey(), owner);
            slots.set(index, reserved[i]);
        }
        return reserved;
    }

    /**
     * Gives slots back. Only once no completion can name them any more: their queue pair is destroyed and the
     * completion queue drained since, or nothing was ever posted with them.
     *
     * @param retired slots from {@link #reserve}.
     */
    synchronized void retire(final ReadSlot[] retired)
    {
        for (final ReadSlot slot : retired)
        {
            slots.set(slot.index, null);
            free.addInt(slot.index);
        }
    }

    /**
     * @param index a work request id.
     * @return the slot it names, or null when none is reserved there.
     */
    ReadSlot slot(final long index)
    {
        return index >= 0 && index < slots.length() ? slots.get((int)index) : null;
    }

    /**
     * @return free slots now.
     */
    synchronized int freeSlots()
    {
        return free.size();
    }

    @Override
    public void close()
    {
        region.close();
    }
}
