package dev.starling.dataplane.transport;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A way to move pieces between nodes: TCP always; RDMA where the hardware has it. Providers are found through
 * {@link java.util.ServiceLoader} (see {@link Transports}), so the daemon never compiles against one, and every
 * provider passes the same transport test kit.
 */
public interface TransportProvider extends AutoCloseable
{
    /**
     * @return a stable name, e.g. {@code tcp-epoll}.
     */
    String name();

    /**
     * Starts serving pieces.
     *
     * @param bind   address to listen on; port 0 for any.
     * @param source what to serve; caller retains.
     * @return the running server; caller owns it.
     */
    PieceServer startServer(InetSocketAddress bind, PieceSource source);

    /**
     * Connects to a peer's piece server.
     *
     * @param peer the peer's address.
     * @return completes with the connection (caller owns it), or exceptionally with a
     *         {@link dev.starling.dataplane.error.StarlingException}.
     */
    CompletableFuture<PeerConnection> connect(InetSocketAddress peer);

    /**
     * Releases the provider's threads.
     */
    @Override
    void close();
}
