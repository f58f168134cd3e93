package dev.starling.rdma;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * The RDMA operations the remote-read sessions need, and nothing else: register memory, listen and accept, connect,
 * post a READ, poll completions. {@link VerbsFabric} does them with rdma-core; the tests run the same sessions over
 * an in-process double, so everything above this seam is exercised on machines without a device.
 * <p>
 * Every failure is a {@link dev.starling.rdma.verbs.VerbsException}.
 */
interface Fabric extends AutoCloseable
{
    /**
     * @return the device in use, for logs and the provider's name.
     */
    String deviceName();

    /**
     * Registers memory that peers may read and nothing else (no local or remote write, so a read-only file mapping
     * can be registered: Linux 6.5 and later refuse a writable long-term pin of a shared file mapping).
     *
     * @param memory what to register; the caller keeps it mapped until the region is closed.
     * @return the region.
     */
    RemoteRegion registerForRemoteRead(MemorySegment memory);

    /**
     * Allocates anonymous memory registered for local writes (what RDMA READs land in).
     *
     * @param bytes size.
     * @return the region; closing it deregisters and frees the memory.
     */
    LocalRegion allocateLocal(long bytes);

    /**
     * Starts accepting remote-read connections.
     *
     * @param bind     local address (the piece server's).
     * @param acceptor decides on each connect request; called on the listener's thread.
     * @return the listener.
     */
    Listener listen(InetSocketAddress bind, Acceptor acceptor);

    /**
     * Connects to a peer's listener; blocks until connected or failed.
     *
     * @param peer          the peer's listener address.
     * @param privateData   sent with the connect request; caller retains.
     * @param readsInFlight READs that may be posted at once on the connection.
     * @return the connection.
     */
    Endpoint connect(InetSocketAddress peer, byte[] privateData, int readsInFlight);

    /**
     * Takes the completions that arrived, each handed to the handler. One thread only (the completion agent).
     *
     * @param handler gets each completion.
     * @return completions handled.
     */
    int pollCompletions(CompletionHandler handler);

    /**
     * @param status a failed completion's status.
     * @return its stable name and text, e.g. {@code IBV_WC_REM_ACCESS_ERR (remote access error)}.
     */
    String describeStatus(int status);

    /**
     * Releases the device's resources; every region, listener and endpoint must be closed first.
     */
    @Override
    void close();

    /**
     * Memory registered for remote reads.
     */
    interface RemoteRegion extends AutoCloseable
    {
        /**
         * @return the address peers read at.
         */
        long address();

        /**
         * @return the remote key peers present.
         */
        int rkey();

        /**
         * Deregisters the memory.
         */
        @Override
        void close();
    }

    /**
     * Anonymous memory registered for local writes.
     */
    interface LocalRegion extends AutoCloseable
    {
        /**
         * @return the memory.
         */
        MemorySegment memory();

        /**
         * @return the local key.
         */
        int lkey();

        /**
         * Deregisters and frees the memory.
         */
        @Override
        void close();
    }

    /**
     * One outgoing remote-read connection.
     */
    interface Endpoint extends AutoCloseable
    {
        /**
         * Posts one signalled READ; its completion comes through {@link #pollCompletions} with {@code wrId}. One
         * thread at a time (the connection's event loop).
         *
         * @param wrId          identifies the completion.
         * @param localAddress  destination in a {@link LocalRegion}.
         * @param lkey          that region's key.
         * @param length        bytes.
         * @param remoteAddress source in the peer's {@link RemoteRegion}.
         * @param rkey          that region's key.
         * @return 0, or the errno the post failed with.
         */
        int postRead(long wrId, long localAddress, int lkey, int length, long remoteAddress, int rkey);

        /**
         * Disconnects and destroys the queue pair; posted READs complete with a flush error or not at all. Blocks.
         */
        @Override
        void close();
    }

    /**
     * Accepting remote-read connections.
     */
    interface Listener extends AutoCloseable
    {
        /**
         * @return the port peers connect to.
         */
        int port();

        /**
         * Ends the connection accepted for a session, if there is one. Any thread.
         *
         * @param session the session the acceptor named.
         */
        void disconnect(ServerSession session);

        /**
         * Stops listening and ends every connection.
         */
        @Override
        void close();
    }

    /**
     * Decides on connect requests; called on the listener's thread.
     */
    interface Acceptor
    {
        /**
         * @param privateData what the peer sent with its request.
         * @return the session the connection belongs to, or null to reject it.
         */
        ServerSession onConnectRequest(byte[] privateData);

        /**
         * @param session the connection is up: the session may hand out descriptors.
         */
        void onEstablished(ServerSession session);

        /**
         * @param session the connection is gone.
         */
        void onDisconnected(ServerSession session);
    }

    /**
     * Gets work completions; called on the completion agent's thread.
     */
    @FunctionalInterface
    interface CompletionHandler
    {
        /**
         * @param wrId       the work request's id.
         * @param status     0 for success, else the failure ({@link #describeStatus}).
         * @param byteLength bytes moved.
         */
        void onCompletion(long wrId, int status, int byteLength);
    }
}
