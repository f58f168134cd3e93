package dev.starling.dataplane.transport.tcp;

import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.TransportTestKit;
import org.junit.jupiter.api.BeforeAll;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The transport test kit on TCP over io_uring.
 */
class IoUringTcpTransportTest extends TransportTestKit
{
    @BeforeAll
    static void requireEngine()
    {
        assumeTrue(io.netty.channel.uring.IoUring.isAvailable(), "io_uring is not available on this machine");
    }

    @Override
    protected TransportProvider newProvider()
    {
        return TcpTransport.open("io_uring", 1, 64);
    }
}
