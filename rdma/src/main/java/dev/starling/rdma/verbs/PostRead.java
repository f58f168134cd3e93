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
 * A reusable {@code ibv_post_send} of one signalled RDMA READ on one queue pair (DiSNI's stateful verb call): the
 * work request, its scatter-gather entry and the bad-request pointer are allocated once, and {@link #post} only
 * writes the fields that change and calls the provider's {@code post_send} through the function pointer in
 * {@code qp->context->ops} ({@code ibv_post_send} is a static inline function in {@code verbs.h}, not a symbol).
 * A post allocates nothing. Not thread-safe: one owner (the connection's event loop).
 */
public final class PostRead implements AutoCloseable
{
    /** {@code int (*post_send)(struct ibv_qp *, struct ibv_send_wr *, struct ibv_send_wr **)}, called by address. */
    private static final MethodHandle POST_SEND = NativeCalls.LINKER.downcallHandle(
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), Linker.Option.critical(false));
    private static final long WR_ID = Structs.offset(Structs.IBV_SEND_WR, "wr_id");
    private static final long REMOTE_ADDR = Structs.offset(Structs.IBV_SEND_WR, "remote_addr");
    private static final long RKEY = Structs.offset(Structs.IBV_SEND_WR, "rkey");
    private static final long SGE_ADDR = Structs.offset(Structs.IBV_SGE, "addr");
    private static final long SGE_LENGTH = Structs.offset(Structs.IBV_SGE, "length");
    private static final long SGE_LKEY = Structs.offset(Structs.IBV_SGE, "lkey");

    private final Arena arena = Arena.ofShared();
    private final MemorySegment qp;
    private final MemorySegment postSend;
    private final MemorySegment wr;
    private final MemorySegment sge;
    private final MemorySegment badWr;

    /**
     * @param qp the {@code ibv_qp*} to post on; it outlives this object.
     */
    public PostRead(final MemorySegment qp)
    {
        this.qp = qp;
        final MemorySegment context = qp.reinterpret(Structs.IBV_QP.byteSize())
            .get(ADDRESS, Structs.offset(Structs.IBV_QP, "context"));
        postSend = context.reinterpret(Structs.IBV_CONTEXT.byteSize())
            .get(ADDRESS, Structs.offset(Structs.IBV_CONTEXT, "ops", "post_send"));
        wr = arena.allocate(Structs.IBV_SEND_WR);
        sge = arena.allocate(Structs.IBV_SGE);
        badWr = arena.allocate(ADDRESS);
        wr.set(ADDRESS, Structs.offset(Structs.IBV_SEND_WR, "next"), MemorySegment.NULL);
        wr.set(ADDRESS, Structs.offset(Structs.IBV_SEND_WR, "sg_list"), sge);
        wr.set(JAVA_INT, Structs.offset(Structs.IBV_SEND_WR, "num_sge"), 1);
        wr.set(JAVA_INT, Structs.offset(Structs.IBV_SEND_WR, "opcode"), Structs.IBV_WR_RDMA_READ);
        wr.set(JAVA_INT, Structs.offset(Structs.IBV_SEND_WR, "send_flags"), Structs.IBV_SEND_SIGNALED);
    }

    /**
     * Posts a READ of {@code length} bytes at the peer's {@code remoteAddress} into local registered memory.
     *
     * @param wrId          comes back in the work completion.
     * @param localAddress  destination, inside a region registered with local write.
     * @param lkey          that region's local key.
     * @param length        bytes.
     * @param remoteAddress source, inside the peer's region.
     * @param rkey          the peer region's remote key.
     * @return 0, or the errno {@code post_send} returned (ENOMEM: send queue full; EINVAL: bad request).
     */
    public int post(
        final long wrId,
        final long localAddress,
        final int lkey,
        final int length,
        final long remoteAddress,
        final int rkey)
    {
        wr.set(JAVA_LONG, WR_ID, wrId);
        wr.set(JAVA_LONG, REMOTE_ADDR, remoteAddress);
        wr.set(JAVA_INT, RKEY, rkey);
        sge.set(JAVA_LONG, SGE_ADDR, localAddress);
        sge.set(JAVA_INT, SGE_LENGTH, length);
        sge.set(JAVA_INT, SGE_LKEY, lkey);
        try
        {
            return (int)POST_SEND.invokeExact(postSend, qp, wr, badWr);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    @Override
    public void close()
    {
        arena.close();
    }
}
