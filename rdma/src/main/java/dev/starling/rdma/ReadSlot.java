package dev.starling.rdma;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * One staging slot of one connection: the registered memory one READ lands in, the piece it is reading, and a
 * preallocated task that hands the completion to the connection's event loop. Created per connection, so a task
 * still queued for a closed connection can only ever reach that connection.
 * <p>
 * Ownership: the owner's event loop, except {@link #onCompletion}, which the completion agent calls; the agent
 * writes the completion's fields before it hands the slot over through the event loop's queue.
 */
final class ReadSlot
{
    final int index;
    final long address;
    final int lkey;
    final ByteBuffer view;
    final ClientSession owner;
    private final Runnable deliver;

    /** The piece this slot reads; event loop. */
    PieceRead read;
    /** Bytes the posted READ asked for; event loop. */
    int postedLength;
    /** The completion's status; written by the agent before the hand-over. */
    int status;

    ReadSlot(final int index, final MemorySegment memory, final int lkey, final ClientSession owner)
    {
        this.index = index;
        this.address = memory.address();
        this.lkey = lkey;
        this.view = memory.asByteBuffer();
        this.owner = owner;
        this.deliver = () -> owner.onReadComplete(this);
    }

    /**
     * A completion for this slot arrived. Completion agent thread.
     *
     * @param status 0 for success.
     */
    void onCompletion(final int status)
    {
        this.status = status;
        owner.execute(deliver);
    }
}
