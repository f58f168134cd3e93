package dev.starling.dataplane.transport.tcp;

import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.TransportTestKit;
import org.junit.jupiter.api.BeforeAll;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The transport test kit on TCP over nio.
 */
class NioTcpTransportTest extends TransportTestKit
{
    @BeforeAll
    static void requireEngine()
    {
        assumeTrue(true, "nio is not available on this machine");
    }

    @Override
    protected TransportProvider newProvider()
    {
        return TcpTransport.open("nio", 1, 64);
    }
}
