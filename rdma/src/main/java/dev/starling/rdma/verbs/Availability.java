package dev.starling.rdma.verbs;

import java.util.List;

/**
 * Whether RDMA can run in this process: the libraries loaded and a device answered, or why not. Loading never
 * throws; every reason for absence is a value.
 */
public sealed interface Availability permits Availability.Available, Availability.Unavailable
{
    /**
     * Why RDMA cannot run here; the names are stable.
     */
    enum Reason
    {
        /** {@code libibverbs.so.1} or {@code librdmacm.so.1} is not installed. */
        LIBRARY_MISSING,
        /** A library is there but lacks a function the bindings need (an older rdma-core). */
        SYMBOL_MISSING,
        /** The JVM refuses native access ({@code --illegal-native-access=deny} without {@code --enable-native-access}). */
        NATIVE_ACCESS_DENIED,
        /** The libraries loaded but the kernel offers no RDMA device (no InfiniBand, RoCE or soft-RoCE). */
        NO_DEVICE,
        /** A verbs call failed while opening the device. */
        VERBS_FAILED
    }

    /**
     * @return true when RDMA can run.
     */
    boolean available();

    /**
     * The libraries and at least one device are there.
     *
     * @param verbs   libibverbs.
     * @param cm      librdmacm.
     * @param devices the devices' names, in rdma_cm's order.
     */
    record Available(IbVerbs verbs, RdmaCm cm, List<String> devices) implements Availability
    {
        @Override
        public boolean available()
        {
            return true;
        }

        @Override
        public String toString()
        {
            return "RDMA devices " + devices;
        }
    }

    /**
     * RDMA cannot run here.
     *
     * @param reason stable reason.
     * @param detail what was found, e.g. the errno each probe reported.
     */
    record Unavailable(Reason reason, String detail) implements Availability
    {
        @Override
        public boolean available()
        {
            return false;
        }

        @Override
        public String toString()
        {
            return reason + ": " + detail;
        }
    }
}
