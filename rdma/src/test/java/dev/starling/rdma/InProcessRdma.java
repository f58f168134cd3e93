package dev.starling.rdma;

import dev.starling.dataplane.transport.TransportProvider;

/**
 * The RDMA provider over the in-process {@link LoopbackFabric}, for code outside this package that has no device
 * either: perf-lab's {@code RdmaFallbackBenchmark} measures the provider's fallback paths with it. Shipped in this
 * module's test jar, never in the daemon.
 */
public final class InProcessRdma
{
    private InProcessRdma()
    {
    }

    /**
     * A provider and its fabric's READ count.
     */
    public static final class Provider
    {
        private final TransportProvider transport;
        private final LoopbackFabric fabric;

        private Provider(final TransportProvider transport, final LoopbackFabric fabric)
        {
            this.transport = transport;
            this.fabric = fabric;
        }

        /**
         * @return the provider; the caller of {@link InProcessRdma#open} owns it (closing it closes the fabric).
         */
        public TransportProvider transport()
        {
            return transport;
        }

        /**
         * @return RDMA READs performed through this provider's fabric so far (each moves one chunk).
         */
        public long remoteReads()
        {
            return fabric.reads.get();
        }
    }

    /**
     * Opens the RDMA provider on a new in-process fabric with the production defaults of {@link RdmaContext}
     * except its staging memory.
     *
     * @param engine       the control path's TCP engine ({@code nio}, {@code epoll}, {@code io_uring}).
     * @param threads      I/O threads of the control path.
     * @param stagingBytes registered staging memory of the child side (the default 256 MiB is more than a
     *                     benchmark needs).
     * @return the provider; the caller owns it.
     */
    public static Provider open(final String engine, final int threads, final long stagingBytes)
    {
        final LoopbackFabric fabric = new LoopbackFabric();
        final RdmaContext ctx = new RdmaContext().stagingBytes(stagingBytes).conclude();
        return new Provider(RdmaTransport.open(ctx, fabric, engine, threads), fabric);
    }
}
