package dev.starling.rdma.verbs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.starling.rdma.verbs.NativeCalls.rethrow;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A reusable {@code ibv_poll_cq} on one completion queue: the work completions land in one array allocated once,
 * and the call goes through the provider's {@code poll_cq} pointer in {@code cq->context->ops}
 * ({@code ibv_poll_cq} is a static inline function in {@code verbs.h}). A poll allocates nothing. Not
 * thread-safe: one owner (the completion agent).
 */
public final class CompletionPoller implements AutoCloseable
{
    /** {@code int (*poll_cq)(struct ibv_cq *, int, struct ibv_wc *)}, called by address. */
    private static final MethodHandle POLL_CQ = NativeCalls.LINKER.downcallHandle(
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), Linker.Option.critical(false));
    private static final long WC_SIZE = Structs.IBV_WC.byteSize();
    private static final long WR_ID = Structs.offset(Structs.IBV_WC, "wr_id");
    private static final long STATUS = Structs.offset(Structs.IBV_WC, "status");
    private static final long BYTE_LEN = Structs.offset(Structs.IBV_WC, "byte_len");

    private final Arena arena = Arena.ofShared();
    private final MemorySegment cq;
    private final MemorySegment pollCq;
    private final MemorySegment completions;
    private final int capacity;

    /**
     * @param cq       the {@code ibv_cq*}; it outlives this object.
     * @param capacity completions taken per poll.
     */
    public CompletionPoller(final MemorySegment cq, final int capacity)
    {
        this.cq = cq;
        this.capacity = capacity;
        final MemorySegment context = cq.reinterpret(Structs.IBV_CQ.byteSize())
            .get(ADDRESS, Structs.offset(Structs.IBV_CQ, "context"));
        pollCq = context.reinterpret(Structs.IBV_CONTEXT.byteSize())
            .get(ADDRESS, Structs.offset(Structs.IBV_CONTEXT, "ops", "poll_cq"));
        completions = arena.allocate(Structs.IBV_WC, capacity);
    }

    /**
     * @return completions now in the array (0 when none), read with the accessors below.
     * @throws VerbsException when the provider reports an error polling.
     */
    public int poll()
    {
        final int n;
        try
        {
            n = (int)POLL_CQ.invokeExact(pollCq, cq, capacity, completions);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
        if (n < 0)
        {
            throw new VerbsException("ibv_poll_cq", -n, "returned " + n);
        }
        return n;
    }

    /**
     * @param i completion index from the last poll.
     * @return its work request id.
     */
    public long wrId(final int i)
    {
        return completions.get(JAVA_LONG, i * WC_SIZE + WR_ID);
    }

    /**
     * @param i completion index from the last poll.
     * @return its status ({@code IBV_WC_SUCCESS} = 0).
     */
    public int status(final int i)
    {
        return completions.get(JAVA_INT, i * WC_SIZE + STATUS);
    }

    /**
     * @param i completion index from the last poll.
     * @return bytes transferred.
     */
    public int byteLength(final int i)
    {
        return completions.get(JAVA_INT, i * WC_SIZE + BYTE_LEN);
    }

    @Override
    public void close()
    {
        arena.close();
    }
}
