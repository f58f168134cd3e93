package dev.starling.dataplane.scheduler;

/**
 * How a daemon describes itself to the scheduler. Immutable.
 *
 * @param peerId      random non-zero id chosen when the daemon starts.
 * @param address     the address other peers reach its piece server on.
 * @param piecePort   its piece server's port.
 * @param uploadSlots pieces it is willing to upload at once.
 * @param seed        true for a seed (fetches from the origin first).
 * @param zone        locality label, or "".
 * @param rack        locality label, or "".
 * @param rdmaDevice  the RDMA device it serves remote reads from ({@link
 *                    dev.starling.dataplane.transport.TransportProvider#remoteReadDevice()}), or "" without RDMA.
 */
public record HostInfo(long peerId, String address, int piecePort, int uploadSlots, boolean seed, String zone, String rack,
    String rdmaDevice)
{
    /**
     * A host without RDMA.
     */
    public HostInfo(
        final long peerId, final String address, final int piecePort, final int uploadSlots, final boolean seed,
        final String zone, final String rack)
    {
        this(peerId, address, piecePort, uploadSlots, seed, zone, rack, "");
    }
}
