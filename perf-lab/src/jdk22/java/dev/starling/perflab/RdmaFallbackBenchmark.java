package dev.starling.perflab;

import dev.starling.dataplane.transport.PeerConnection;
import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.rdma.InProcessRdma;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.TearDown;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * What the RDMA provider costs where it cannot do RDMA: the piece round trip ({@link AbstractPieceRoundTrip}: one
 * request in flight, and {@value #PIPELINE_DEPTH} in flight) through the provider's fallback paths, next to the
 * plain TCP provider on the same engine. The provider runs over the in-process fabric of the rdma module's test jar
 * ({@link InProcessRdma}), because this machine has no RDMA device; only the verbs calls are replaced, so the
 * control path, the sessions and the in-band fallback are the production code.
 * <ul>
 *   <li>{@code tcp}: both ends plain TCP providers: the baseline.</li>
 *   <li>{@code rdma-not-offered}: both ends RDMA providers, but the scheduler said the parent has no RDMA device
 *   ({@code connect(peer, false)}): the provider hands out a plain TCP connection.</li>
 *   <li>{@code rdma-refused}: an RDMA child offers remote reads to a plain TCP parent, which refuses: the
 *   connection stays in-band, every request passing the session's check.</li>
 *   <li>{@code rdma-in-process}: both ends RDMA providers and the offer accepted: pieces move by READs of the
 *   in-process fabric (a memory copy standing in for the device's DMA). Not an RDMA figure: it shows what the
 *   provider's own machinery (descriptors, leases, staging slots, the completion agent) costs per piece.</li>
 * </ul>
 * Where no RDMA library or device exists at all, {@code Transports.openPreferred} never opens this provider and
 * the daemon's fallback path is the {@code tcp} row itself.
 */
public class RdmaFallbackBenchmark extends AbstractPieceRoundTrip
{
    /** Registered staging memory per child provider: 16 slots of the default 4 MiB chunk. */
    private static final long STAGING_BYTES = 64L << 20;

    /** Which path: {@code tcp}, {@code rdma-not-offered}, {@code rdma-refused} or {@code rdma-in-process}. */
    @Param({"tcp", "rdma-not-offered", "rdma-refused", "rdma-in-process"})
    public String path;

    /** The control path's Netty engine, as {@code TcpTransport#open} names it. */
    @Param({"epoll"})
    public String engine;

    private InProcessRdma.Provider clientRdma;

    @Override
    protected TransportProvider openServerTransport()
    {
        return switch (path)
        {
            case "tcp", "rdma-refused" -> PieceRoundTripBenchmark.openTcp(engine);
            case "rdma-not-offered", "rdma-in-process" -> InProcessRdma.open(engine, 1, STAGING_BYTES).transport();
            default -> throw new IllegalArgumentException("unknown path " + path);
        };
    }

    @Override
    protected TransportProvider openClientTransport()
    {
        if ("tcp".equals(path))
        {
            return PieceRoundTripBenchmark.openTcp(engine);
        }
        clientRdma = InProcessRdma.open(engine, 1, STAGING_BYTES);
        return clientRdma.transport();
    }

    @Override
    protected CompletableFuture<PeerConnection> connect(final TransportProvider client, final InetSocketAddress server)
    {
        return client.connect(server, !"rdma-not-offered".equals(path));
    }

    /**
     * Fails the trial when its pieces did not take the path it is named for: READs on a fallback path, or none on
     * {@code rdma-in-process} (a silent fallback would otherwise pass for the provider's figure).
     */
    @TearDown(Level.Trial)
    public void checkPath()
    {
        final long reads = clientRdma == null ? 0 : clientRdma.remoteReads();
        clientRdma = null;
        if ("rdma-in-process".equals(path) ? reads == 0 : reads != 0)
        {
            throw new IllegalStateException("path " + path + " made " + reads + " remote reads");
        }
    }
}
