package dev.starling.dataplane.transport.tcp;

import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.TransportTestKit;
import org.junit.jupiter.api.BeforeAll;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The transport test kit on TCP over epoll.
 */
class EpollTcpTransportTest extends TransportTestKit
{
    @BeforeAll
    static void requireEngine()
    {
        assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(), "epoll is not available on this machine");
    }

    @Override
    protected TransportProvider newProvider()
    {
        return TcpTransport.open("epoll", 1, 64);
    }
}
