package dev.starling.rdma.verbs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.NoSuchElementException;

/**
 * What the bindings share: the linker, downcall handles made with errno captured, and reading C strings.
 */
final class NativeCalls
{
    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private NativeCalls()
    {
    }

    /**
     * A control-path call: the handle takes a capture segment first (see {@link #errno}).
     *
     * @throws NoSuchElementException when the library lacks the symbol.
     */
    static MethodHandle withErrno(final SymbolLookup library, final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(symbol(library, name), descriptor, CAPTURE_ERRNO);
    }

    /**
     * A call that reports errors in its return value.
     *
     * @throws NoSuchElementException when the library lacks the symbol.
     */
    static MethodHandle plain(final SymbolLookup library, final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(symbol(library, name), descriptor);
    }

    static MemorySegment symbol(final SymbolLookup library, final String name)
    {
        return library.find(name).orElseThrow(() -> new NoSuchElementException(name));
    }

    static MemorySegment captureSegment(final Arena arena)
    {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    static int errno(final MemorySegment capture)
    {
        return (int)ERRNO.get(capture, 0L);
    }

    static String string(final MemorySegment cString)
    {
        return cString.equals(MemorySegment.NULL) ? null : cString.reinterpret(4096).getString(0);
    }

    static RuntimeException rethrow(final Throwable t)
    {
        if (t instanceof RuntimeException r)
        {
            return r;
        }
        if (t instanceof Error e)
        {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
