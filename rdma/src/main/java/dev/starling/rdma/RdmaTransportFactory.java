package dev.starling.rdma;

import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.TransportProviderFactory;
import dev.starling.rdma.verbs.RdmaLibraries;

/**
 * Registers the RDMA provider with {@link dev.starling.dataplane.transport.Transports} (through
 * {@code META-INF/services}). Available where rdma-core's libraries load and a device answers; otherwise
 * {@link #unavailabilityReason()} says which of those failed, with the errno.
 */
public final class RdmaTransportFactory implements TransportProviderFactory
{
    @Override
    public String family()
    {
        return "rdma";
    }

    @Override
    public boolean isAvailable()
    {
        return RdmaLibraries.availability().available();
    }

    @Override
    public String unavailabilityReason()
    {
        return isAvailable() ? null : RdmaLibraries.availability().toString();
    }

    /**
     * @param engine  the TCP engine of the control path ({@code auto} for the best available).
     * @param threads I/O threads.
     */
    @Override
    public TransportProvider create(final String engine, final int threads)
    {
        return RdmaTransport.open(engine, threads);
    }
}
