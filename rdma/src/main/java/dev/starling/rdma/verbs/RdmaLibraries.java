package dev.starling.rdma.verbs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Loads rdma-core's libraries ({@value IbVerbs#LIBRARY}, {@value RdmaCm#LIBRARY}) through FFM and asks for
 * devices. Every way this can fail is an {@link Availability.Unavailable} with its reason and the errno the probes
 * reported, never an exception.
 */
public final class RdmaLibraries
{
    private static volatile Availability probed;

    private RdmaLibraries()
    {
    }

    /**
     * @return whether RDMA can run in this process, probed once and remembered (devices do not come and go under
     *         a running daemon often enough to ask again).
     */
    public static Availability availability()
    {
        Availability a = probed;
        if (a == null)
        {
            synchronized (RdmaLibraries.class)
            {
                a = probed;
                if (a == null)
                {
                    a = load(IbVerbs.LIBRARY, RdmaCm.LIBRARY);
                    probed = a;
                }
            }
        }
        return a;
    }

    /**
     * The bound libraries, without any device.
     *
     * @param verbs libibverbs.
     * @param cm    librdmacm.
     */
    record Libraries(IbVerbs verbs, RdmaCm cm)
    {
    }

    /**
     * Loads the libraries and binds every function, without asking for devices (the tests call the bindings that
     * need none).
     *
     * @throws IllegalArgumentException when a library is missing.
     * @throws NoSuchElementException   when a function is.
     * @throws IllegalCallerException   when native access is denied.
     */
    static Libraries loadLibraries(final String ibverbs, final String rdmacm)
    {
        final IbVerbs verbs = new IbVerbs(SymbolLookup.libraryLookup(ibverbs, Arena.global()));
        return new Libraries(verbs, new RdmaCm(SymbolLookup.libraryLookup(rdmacm, Arena.global()), verbs));
    }

    /**
     * Loads the named libraries and probes for devices (not remembered: for tests that name a missing library).
     *
     * @param ibverbs libibverbs' name or path.
     * @param rdmacm  librdmacm's name or path.
     * @return what was found.
     */
    public static Availability load(final String ibverbs, final String rdmacm)
    {
        final IbVerbs verbs;
        final RdmaCm cm;
        try
        {
            final Libraries libraries = loadLibraries(ibverbs, rdmacm);
            verbs = libraries.verbs();
            cm = libraries.cm();
        }
        catch (final IllegalArgumentException ex)
        {
            return new Availability.Unavailable(Availability.Reason.LIBRARY_MISSING, ex.getMessage() +
                " (Debian: apt-get install libibverbs1 librdmacm1 ibverbs-providers)");
        }
        catch (final NoSuchElementException ex)
        {
            return new Availability.Unavailable(Availability.Reason.SYMBOL_MISSING, "rdma-core lacks " +
                ex.getMessage() + " (rdma-core 44 or later is needed)");
        }
        catch (final IllegalCallerException ex)
        {
            return new Availability.Unavailable(Availability.Reason.NATIVE_ACCESS_DENIED, ex.getMessage() +
                " (run the JVM with --enable-native-access=ALL-UNNAMED)");
        }
        try
        {
            final List<MemorySegment> contexts;
            try
            {
                contexts = cm.devices();
            }
            catch (final VerbsException ex)
            {
                final IbVerbs.DeviceCount count = verbs.countDevices();
                return new Availability.Unavailable(Availability.Reason.NO_DEVICE, ex.getMessage() +
                    "; ibv_get_device_list: " + count.count() + " devices" +
                    (count.errno() == 0 ? "" : ", " + Errno.describe(count.errno())) +
                    ": this machine has no RDMA device (InfiniBand, RoCE, or soft-RoCE: rdma link add rxe0 type rxe" +
                    " netdev IFACE on a kernel with rdma_rxe)");
            }
            final List<String> names = new ArrayList<>(contexts.size());
            for (final MemorySegment c : contexts)
            {
                names.add(cm.deviceName(c));
            }
            return new Availability.Available(verbs, cm, List.copyOf(names));
        }
        catch (final RuntimeException ex)
        {
            return new Availability.Unavailable(Availability.Reason.VERBS_FAILED, ex.toString());
        }
    }
}
