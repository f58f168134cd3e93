package dev.starling.rdma.verbs;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Linux errno values as stable names ({@code ENODEV}) and as the C library's text ({@code strerror}, bound through
 * FFM), for the errors verbs and rdma_cm calls report. The names are the stable part: logs and tests match on
 * them; the table is checked against {@code <errno.h>} by the struct layout test.
 */
public final class Errno
{
    /** The errno values the table names, in pairs of value and name. */
    static final Object[][] NAMES = {
        {1, "EPERM"}, {2, "ENOENT"}, {4, "EINTR"}, {5, "EIO"}, {6, "ENXIO"}, {9, "EBADF"}, {11, "EAGAIN"},
        {12, "ENOMEM"}, {13, "EACCES"}, {14, "EFAULT"}, {16, "EBUSY"}, {17, "EEXIST"}, {19, "ENODEV"},
        {22, "EINVAL"}, {23, "ENFILE"}, {24, "EMFILE"}, {28, "ENOSPC"}, {30, "EROFS"}, {32, "EPIPE"},
        {34, "ERANGE"}, {38, "ENOSYS"}, {61, "ENODATA"}, {62, "ETIME"}, {71, "EPROTO"}, {75, "EOVERFLOW"},
        {90, "EMSGSIZE"}, {93, "EPROTONOSUPPORT"}, {95, "EOPNOTSUPP"}, {97, "EAFNOSUPPORT"}, {98, "EADDRINUSE"},
        {99, "EADDRNOTAVAIL"}, {100, "ENETDOWN"}, {101, "ENETUNREACH"}, {103, "ECONNABORTED"},
        {104, "ECONNRESET"}, {105, "ENOBUFS"}, {106, "EISCONN"}, {107, "ENOTCONN"}, {110, "ETIMEDOUT"},
        {111, "ECONNREFUSED"}, {112, "EHOSTDOWN"}, {113, "EHOSTUNREACH"}, {114, "EALREADY"},
        {115, "EINPROGRESS"}, {121, "EREMOTEIO"}, {125, "ECANCELED"},
    };

    /** ENODEV: no such device. */
    public static final int ENODEV = 19;
    /** ENOSYS: function not implemented (what ibv_get_device_list reports on a kernel without RDMA). */
    public static final int ENOSYS = 38;
    /** ETIMEDOUT. */
    public static final int ETIMEDOUT = 110;

    private static final String[] BY_VALUE = new String[134];
    private static final MethodHandle STRERROR;

    static
    {
        for (final Object[] pair : NAMES)
        {
            BY_VALUE[(Integer)pair[0]] = (String)pair[1];
        }
        MethodHandle strerror = null;
        try
        {
            final Linker linker = Linker.nativeLinker();
            strerror = linker.defaultLookup().find("strerror")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT)))
                .orElse(null);
        }
        catch (final RuntimeException ex)
        {
            strerror = null; // native access denied: the names alone will do
        }
        STRERROR = strerror;
    }

    private Errno()
    {
    }

    /**
     * @param errno an errno value.
     * @return its symbolic name, e.g. {@code ENODEV}, or {@code E<n>} for one the table does not know.
     */
    public static String name(final int errno)
    {
        final String name = errno >= 0 && errno < BY_VALUE.length ? BY_VALUE[errno] : null;
        return name != null ? name : "E" + errno;
    }

    /**
     * @param errno an errno value.
     * @return the C library's text for it ({@code strerror}), or the name when that cannot be had.
     */
    public static String text(final int errno)
    {
        if (STRERROR != null)
        {
            try
            {
                final MemorySegment s = (MemorySegment)STRERROR.invokeExact(errno);
                if (!s.equals(MemorySegment.NULL))
                {
                    return s.reinterpret(1024).getString(0);
                }
            }
            catch (final Throwable ex)
            {
                return name(errno);
            }
        }
        return name(errno);
    }

    /**
     * @param errno an errno value.
     * @return {@code NAME (text)}, e.g. {@code ENOSYS (Function not implemented)}.
     */
    public static String describe(final int errno)
    {
        return name(errno) + " (" + text(errno) + ")";
    }
}
