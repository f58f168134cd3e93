package dev.starling.rdma;

import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.testkit.NginxOrigin;
import dev.starling.dataplane.transport.CollectingReceiver;
import dev.starling.dataplane.transport.FilePieceSource;
import dev.starling.dataplane.transport.PeerConnection;
import dev.starling.dataplane.transport.PieceServer;
import dev.starling.dataplane.transport.PieceStatus;
import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.Transports;
import dev.starling.dataplane.transport.tcp.TcpTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every way a connection falls back from remote reads to TCP, over the in-process fabric: the pieces still arrive
 * (in-band), and each fallback is counted once.
 */
@Timeout(60)
class RemoteReadFallbackTest
{
    private static final int PIECE = 256 << 10;

    @TempDir
    Path tmp;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final FilePieceSource source = new FilePieceSource();
    private final byte[] taskId = new byte[32];
    private PieceLayout layout;
    private Path file;

    @BeforeEach
    void content() throws Exception
    {
        taskId[0] = 42;
        layout = PieceLayout.of(8L * PIECE + 1000, PIECE);
        file = NginxOrigin.writeRandomFile(tmp.resolve("content"), layout.contentLengthBytes(), 11);
        final int[] all = new int[layout.pieceCount()];
        for (int i = 0; i < all.length; i++)
        {
            all[i] = i;
        }
        source.add(taskId, file, layout, all);
    }

    @AfterEach
    void close() throws Exception
    {
        for (int i = closing.size() - 1; i >= 0; i--)
        {
            closing.get(i).close();
        }
        source.close();
    }

    private <T extends AutoCloseable> T closeLater(final T c)
    {
        closing.add(c);
        return c;
    }

    private RdmaTransport rdma(final LoopbackFabric fabric, final RdmaContext ctx)
    {
        return closeLater(RdmaTransport.open(ctx, fabric, "nio", 1));
    }

    private PieceServer serve(final TransportProvider provider)
    {
        return closeLater(provider.startServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), source));
    }

    private PeerConnection connect(final TransportProvider provider, final PieceServer server) throws Exception
    {
        return closeLater(provider.connect(server.localAddress()).get(10, TimeUnit.SECONDS));
    }

    private CollectingReceiver.Outcome fetch(final PeerConnection c, final int piece) throws Exception
    {
        final CollectingReceiver r = new CollectingReceiver();
        c.requestPiece(taskId, piece, r);
        return r.done().get(30, TimeUnit.SECONDS);
    }

    private void assertPiece(final CollectingReceiver.Outcome o, final int piece) throws Exception
    {
        assertEquals(PieceStatus.OK, o.status(), o.reason());
        final byte[] expected = new byte[layout.pieceLength(piece)];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ))
        {
            ch.read(ByteBuffer.wrap(expected), layout.pieceOffset(piece));
        }
        assertArrayEquals(expected, o.bytes(), "piece " + piece);
        assertArrayEquals(Digest.newSha256().digest(expected), o.digest());
    }

    @Test
    void shouldReadInBandFromAParentWithoutRemoteReads() throws Exception
    {
        final LoopbackFabric fabric = new LoopbackFabric();
        final RdmaTransport child = rdma(fabric, LoopbackRdmaTransportTest.smallContext());
        final PieceServer plain = serve(closeLater(TcpTransport.open("nio", 1, 64)));
        final long before = Transports.fallbackCount();
        final PeerConnection c = connect(child, plain);
        assertEquals(before + 1, Transports.fallbackCount(), "the parent refused: counted once");
        for (int p = 0; p < layout.pieceCount(); p++)
        {
            assertPiece(fetch(c, p), p);
        }
        assertEquals(0, fabric.reads.get());
        assertEquals(before + 1, Transports.fallbackCount());
    }

    @Test
    void shouldOfferRemoteReadsOnlyToAParentTheSchedulerSaysHasThem() throws Exception
    {
        final LoopbackFabric childFabric = new LoopbackFabric();
        final RdmaTransport child = rdma(childFabric, LoopbackRdmaTransportTest.smallContext());
        final PieceServer server = serve(rdma(new LoopbackFabric(), LoopbackRdmaTransportTest.smallContext()));
        assertEquals(childFabric.deviceName(), child.remoteReadDevice(), "announced to the scheduler");
        final long before = Transports.fallbackCount();

        final PeerConnection unannounced = closeLater(child.connect(server.localAddress(), false)
            .get(10, TimeUnit.SECONDS));
        assertPiece(fetch(unannounced, 0), 0);
        assertEquals(0, childFabric.reads.get(), "no offer to a parent without an announced device: in-band");
        assertEquals(before, Transports.fallbackCount(), "not a fallback: nothing was tried");

        final PeerConnection announced = closeLater(child.connect(server.localAddress(), true)
            .get(10, TimeUnit.SECONDS));
        assertPiece(fetch(announced, 1), 1);
        assertTrue(childFabric.reads.get() > 0, "read remotely from the parent that announced a device");
    }

    @Test
    void shouldServeAPlainTcpChildInBand() throws Exception
    {
        final RdmaTransport parent = rdma(new LoopbackFabric(), LoopbackRdmaTransportTest.smallContext());
        final PieceServer server = serve(parent);
        final long before = Transports.fallbackCount();
        final PeerConnection c = connect(closeLater(TcpTransport.open("nio", 1, 64)), server);
        for (int p = 0; p < layout.pieceCount(); p++)
        {
            assertPiece(fetch(c, p), p);
        }
        assertEquals(before, Transports.fallbackCount(), "a TCP child asks for nothing else");
        assertEquals(0, parent.registrations().registeredBytes());
    }

    @Test
    void shouldReadInBandWhenTheRdmaConnectFails() throws Exception
    {
        final LoopbackFabric childFabric = new LoopbackFabric();
        childFabric.refuseConnects = true;
        final RdmaTransport child = rdma(childFabric, LoopbackRdmaTransportTest.smallContext());
        final PieceServer server = serve(rdma(new LoopbackFabric(), LoopbackRdmaTransportTest.smallContext()));
        final long before = Transports.fallbackCount();
        final PeerConnection c = connect(child, server);
        assertEquals(before + 1, Transports.fallbackCount());
        for (int p = 0; p < layout.pieceCount(); p++)
        {
            assertPiece(fetch(c, p), p);
        }
        assertEquals(0, childFabric.reads.get());
    }

    @Test
    void shouldFailOnePieceThenGoInBandWhenAReadFails() throws Exception
    {
        final LoopbackFabric childFabric = new LoopbackFabric();
        final RdmaTransport child = rdma(childFabric, LoopbackRdmaTransportTest.smallContext());
        final RdmaTransport parent = rdma(new LoopbackFabric(), LoopbackRdmaTransportTest.smallContext());
        final PieceServer server = serve(parent);
        final PeerConnection c = connect(child, server);
        assertPiece(fetch(c, 0), 0);
        final long readsBefore = childFabric.reads.get();
        assertTrue(readsBefore > 0, "piece 0 went by remote read");

        final long before = Transports.fallbackCount();
        childFabric.failNextRead = true;
        final CollectingReceiver.Outcome failed = fetch(c, 1);
        assertEquals(PieceStatus.ERROR, failed.status());
        assertTrue(failed.reason().contains("IBV_WC_REM_ACCESS_ERR"), failed.reason());
        assertEquals(before + 1, Transports.fallbackCount(), "the connection's remote reads end: counted once");

        for (int p = 1; p < layout.pieceCount(); p++)
        {
            assertPiece(fetch(c, p), p);
        }
        assertEquals(readsBefore, childFabric.reads.get(), "later pieces came in-band");
        assertEquals(before + 1, Transports.fallbackCount());
        assertEquals(0, parent.registrations().leases(), "every lease was released");
    }

    @Test
    void shouldGoInBandWhenTheStagingPoolHasNoRoomForAnotherConnection() throws Exception
    {
        final RdmaContext oneConnection = new RdmaContext().chunkBytes(64 << 10).readsInFlight(2)
            .stagingBytes(128 << 10).conclude();
        final LoopbackFabric childFabric = new LoopbackFabric();
        final RdmaTransport child = rdma(childFabric, oneConnection);
        final PieceServer server = serve(rdma(new LoopbackFabric(), LoopbackRdmaTransportTest.smallContext()));
        final long before = Transports.fallbackCount();
        final PeerConnection first = connect(child, server);
        final PeerConnection second = connect(child, server);
        assertEquals(before + 1, Transports.fallbackCount(), "the second connection found no slot");
        for (int p = 0; p < layout.pieceCount(); p++)
        {
            assertPiece(fetch(first, p), p);
            assertPiece(fetch(second, p), p);
        }
        assertTrue(childFabric.reads.get() > 0);
    }

    @Test
    void shouldReleaseEveryLeaseAndKeepRegistrationsWithinBudget() throws Exception
    {
        final RdmaContext tight = new RdmaContext().chunkBytes(64 << 10).readsInFlight(4).stagingBytes(1 << 20)
            .registeredBytes(3L * PIECE).conclude();
        final RdmaTransport parent = rdma(new LoopbackFabric(), tight);
        final LoopbackFabric childFabric = new LoopbackFabric();
        final PeerConnection c = connect(rdma(childFabric, LoopbackRdmaTransportTest.smallContext()), serve(parent));
        final List<CollectingReceiver> receivers = new ArrayList<>();
        for (int round = 0; round < 3; round++)
        {
            for (int p = 0; p < layout.pieceCount(); p++)
            {
                final CollectingReceiver r = new CollectingReceiver();
                receivers.add(r);
                c.requestPiece(taskId, p, r);
            }
        }
        for (int i = 0; i < receivers.size(); i++)
        {
            assertPiece(receivers.get(i).done().get(30, TimeUnit.SECONDS), i % layout.pieceCount());
        }
        assertTrue(parent.registrations().registeredBytes() <= 3L * PIECE, "within the budget");
        assertTrue(childFabric.reads.get() > 0);
        // The RELEASE frames travel after the last piece: wait for the parent to see them.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (parent.registrations().leases() != 0 && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertEquals(0, parent.registrations().leases());
    }
}
