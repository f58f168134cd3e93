package dev.starling.dataplane.transport.tcp;

import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.TransportProviderFactory;

/**
 * Registers the TCP provider with {@link dev.starling.dataplane.transport.Transports}. Always available: NIO is
 * the last fallback.
 */
public final class TcpTransportFactory implements TransportProviderFactory
{
    /** Responses a connection queues before the server answers BUSY. */
    static final int MAX_PENDING_RESPONSES = 256;

    @Override
    public String family()
    {
        return "tcp";
    }

    @Override
    public boolean isAvailable()
    {
        return true;
    }

    @Override
    public TransportProvider create(final String engine, final int threads)
    {
        return TcpTransport.open(engine, threads, MAX_PENDING_RESPONSES);
    }
}
