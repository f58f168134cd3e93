package dev.starling.dataplane.transport;

import java.net.InetSocketAddress;

/**
 * A running piece server.
 */
public interface PieceServer extends AutoCloseable
{
    /**
     * @return the address it listens on (the real port when bound to port 0).
     */
    InetSocketAddress localAddress();

    /**
     * Stops listening and closes every connection.
     */
    @Override
    void close();
}
