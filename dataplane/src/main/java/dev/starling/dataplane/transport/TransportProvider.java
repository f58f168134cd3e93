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
     * Connects to a peer's piece server, knowing from the scheduler whether the peer announced remote reads (an RDMA
     * device). A provider with remote reads offers them only to such a peer, sparing the others the offer's round
     * trip; one without ignores the hint.
     *
     * @param peer                  the peer's address.
     * @param peerOffersRemoteReads whether the peer announced an RDMA device to the scheduler.
     * @return as {@link #connect(InetSocketAddress)}.
     */
    default CompletableFuture<PeerConnection> connect(InetSocketAddress peer, boolean peerOffersRemoteReads)
    {
        return connect(peer);
    }

    /**
     * @return the device this provider serves and takes remote reads on (announced to the scheduler, so that
     *     children know which parents to offer them to), or "" for a provider without remote reads.
     */
    default String remoteReadDevice()
    {
        return "";
    }

    /**
     * Releases the provider's threads.
     */
    @Override
    void close();
}
