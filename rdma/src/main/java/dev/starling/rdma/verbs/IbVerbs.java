package dev.starling.rdma.verbs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static dev.starling.rdma.verbs.NativeCalls.captureSegment;
import static dev.starling.rdma.verbs.NativeCalls.errno;
import static dev.starling.rdma.verbs.NativeCalls.rethrow;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libibverbs control-path calls the provider makes, bound once through FFM. Every failure is a
 * {@link VerbsException} with the errno the call reported. The data-path verbs are in {@link PostRead} and
 * {@link CompletionPoller}: they go through the provider's function pointers, not through these symbols.
 * Thread-safe (libibverbs' calls are).
 */
public final class IbVerbs
{
    /** The library's soname (Debian: package libibverbs1). */
    public static final String LIBRARY = "libibverbs.so.1";

    private final MethodHandle getDeviceList;
    private final MethodHandle freeDeviceList;
    private final MethodHandle getDeviceName;
    private final MethodHandle allocPd;
    private final MethodHandle deallocPd;
    private final MethodHandle regMr;
    private final MethodHandle deregMr;
    private final MethodHandle createCq;
    private final MethodHandle destroyCq;
    private final MethodHandle wcStatusStr;

    /**
     * A registered memory region.
     *
     * @param mr      the {@code struct ibv_mr}.
     * @param address the registered address.
     * @param lkey    local key.
     * @param rkey    remote key.
     */
    public record MemoryRegion(MemorySegment mr, long address, int lkey, int rkey)
    {
    }

    /**
     * @param library the loaded libibverbs.
     * @throws java.util.NoSuchElementException when a symbol is missing.
     */
    IbVerbs(final SymbolLookup library)
    {
        getDeviceList = NativeCalls.withErrno(library, "ibv_get_device_list", FunctionDescriptor.of(ADDRESS, ADDRESS));
        freeDeviceList = NativeCalls.plain(library, "ibv_free_device_list", FunctionDescriptor.ofVoid(ADDRESS));
        getDeviceName = NativeCalls.plain(library, "ibv_get_device_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
        allocPd = NativeCalls.withErrno(library, "ibv_alloc_pd", FunctionDescriptor.of(ADDRESS, ADDRESS));
        deallocPd = NativeCalls.plain(library, "ibv_dealloc_pd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        // ibv_reg_mr is a macro in verbs.h; without optional access flags it calls the exported ibv_reg_mr.
        regMr = NativeCalls.withErrno(library, "ibv_reg_mr",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
        deregMr = NativeCalls.plain(library, "ibv_dereg_mr", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        createCq = NativeCalls.withErrno(library, "ibv_create_cq",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        destroyCq = NativeCalls.plain(library, "ibv_destroy_cq", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        wcStatusStr = NativeCalls.plain(library, "ibv_wc_status_str", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /**
     * Counts the devices libibverbs sees, for the unavailability report.
     *
     * @return the count, and the errno when the list is empty.
     */
    public DeviceCount countDevices()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            final MemorySegment count = arena.allocate(JAVA_INT);
            final MemorySegment list = (MemorySegment)getDeviceList.invokeExact(capture, count);
            if (list.equals(MemorySegment.NULL))
            {
                return new DeviceCount(0, errno(capture));
            }
            final int n = count.get(JAVA_INT, 0);
            freeDeviceList.invokeExact(list);
            return new DeviceCount(n, 0);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param count  devices seen.
     * @param errno  the errno when none were (ENOSYS on a kernel without RDMA support), else 0.
     */
    public record DeviceCount(int count, int errno)
    {
    }

    /**
     * @param context an {@code ibv_context*}.
     * @return its device's name, e.g. {@code mlx5_0} or {@code rxe0}.
     */
    public String deviceName(final MemorySegment context)
    {
        try
        {
            final MemorySegment device = context.reinterpret(Structs.IBV_CONTEXT.byteSize())
                .get(ADDRESS, Structs.offset(Structs.IBV_CONTEXT, "device"));
            return NativeCalls.string((MemorySegment)getDeviceName.invokeExact(device));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param context device context.
     * @return a new protection domain; the caller deallocates it.
     * @throws VerbsException when the call fails.
     */
    public MemorySegment allocPd(final MemorySegment context)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            final MemorySegment pd = (MemorySegment)allocPd.invokeExact(capture, context);
            if (pd.equals(MemorySegment.NULL))
            {
                throw new VerbsException("ibv_alloc_pd", errno(capture), null);
            }
            return pd;
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param pd a protection domain with nothing left in it.
     * @throws VerbsException when the call fails.
     */
    public void deallocPd(final MemorySegment pd)
    {
        final int rc;
        try
        {
            rc = (int)deallocPd.invokeExact(pd);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
        if (rc != 0)
        {
            throw new VerbsException("ibv_dealloc_pd", rc, null);
        }
    }

    /**
     * Registers memory (pins it) for the device.
     *
     * @param pd     protection domain.
     * @param memory what to register; the caller keeps it mapped until {@link #deregMr}.
     * @param access {@code IBV_ACCESS_*} flags.
     * @return the region; the caller deregisters it.
     * @throws VerbsException when the call fails (EFAULT for memory the kernel will not pin, ENOMEM past the
     *                        locked-memory limit).
     */
    public MemoryRegion regMr(final MemorySegment pd, final MemorySegment memory, final int access)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            final MemorySegment mr = (MemorySegment)regMr.invokeExact(capture, pd, memory, memory.byteSize(), access);
            if (mr.equals(MemorySegment.NULL))
            {
                throw new VerbsException("ibv_reg_mr", errno(capture), memory.byteSize() + " bytes at 0x" +
                    Long.toHexString(memory.address()) + ", access 0x" + Integer.toHexString(access));
            }
            final MemorySegment m = mr.reinterpret(Structs.IBV_MR.byteSize());
            return new MemoryRegion(mr, m.get(JAVA_LONG, Structs.offset(Structs.IBV_MR, "addr")),
                m.get(JAVA_INT, Structs.offset(Structs.IBV_MR, "lkey")),
                m.get(JAVA_INT, Structs.offset(Structs.IBV_MR, "rkey")));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param mr a registered region's {@code struct ibv_mr}.
     * @throws VerbsException when the call fails.
     */
    public void deregMr(final MemorySegment mr)
    {
        final int rc;
        try
        {
            rc = (int)deregMr.invokeExact(mr);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
        if (rc != 0)
        {
            throw new VerbsException("ibv_dereg_mr", rc, null);
        }
    }

    /**
     * @param context device context.
     * @param entries completions it must hold.
     * @return a completion queue without a completion channel (it is polled); the caller destroys it.
     * @throws VerbsException when the call fails.
     */
    public MemorySegment createCq(final MemorySegment context, final int entries)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            final MemorySegment cq = (MemorySegment)createCq.invokeExact(
                capture, context, entries, MemorySegment.NULL, MemorySegment.NULL, 0);
            if (cq.equals(MemorySegment.NULL))
            {
                throw new VerbsException("ibv_create_cq", errno(capture), entries + " entries");
            }
            return cq;
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param cq a completion queue no queue pair uses any more.
     * @throws VerbsException when the call fails.
     */
    public void destroyCq(final MemorySegment cq)
    {
        final int rc;
        try
        {
            rc = (int)destroyCq.invokeExact(cq);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
        if (rc != 0)
        {
            throw new VerbsException("ibv_destroy_cq", rc, null);
        }
    }

    /**
     * @param status an {@code ibv_wc_status}.
     * @return {@code IBV_WC_NAME (libibverbs' text)}.
     */
    public String describeWcStatus(final int status)
    {
        try
        {
            return Structs.wcStatusName(status) + " (" +
                NativeCalls.string((MemorySegment)wcStatusStr.invokeExact(status)) + ")";
        }
        catch (final Throwable t)
        {
            return Structs.wcStatusName(status);
        }
    }
}
