package dev.starling.dataplane.transport;

import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transport test kit: every {@link TransportProvider} must pass it. A subclass names the provider; the kit
 * starts a server on one provider instance and connects from another, over loopback.
 */
@Timeout(120)
public abstract class TransportTestKit
{
    private static final int MIB = 1 << 20;

    @TempDir
    protected Path tmp;

    private TransportProvider serverSide;
    private TransportProvider clientSide;
    private FilePieceSource source;
    private PieceServer server;

    /**
     * @return a new instance of the provider under test; a provider that cannot run on this machine aborts the
     *         test here with an assumption, which reports it as skipped with the reason.
     */
    protected abstract TransportProvider newProvider();

    @BeforeEach
    void start()
    {
        serverSide = newProvider();
        clientSide = newProvider();
        source = new FilePieceSource();
        server = serverSide.startServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), source);
    }

    @AfterEach
    void stop() throws Exception
    {
        // Null-safe: a provider that cannot run here aborts the test from newProvider() (an assumption), and the
        // test must then be reported as skipped, not failed by this method.
        if (server != null)
        {
            server.close();
        }
        if (clientSide != null)
        {
            clientSide.close();
        }
        if (serverSide != null)
        {
            serverSide.close();
        }
        if (source != null)
        {
            source.close();
        }
    }

    private PeerConnection connect() throws Exception
    {
        return clientSide.connect(server.localAddress()).get(10, TimeUnit.SECONDS);
    }

    private static byte[] id(final int n)
    {
        final byte[] id = new byte[32];
        id[0] = (byte)n;
        id[31] = 0x5a;
        return id;
    }

    private Path randomFile(final String name, final long length, final long seed) throws IOException
    {
        return dev.starling.dataplane.testkit.NginxOrigin.writeRandomFile(tmp.resolve(name), length, seed);
    }

    private static byte[] read(final Path file, final long offset, final int length) throws IOException
    {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ))
        {
            final ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining())
            {
                if (ch.read(b, offset + b.position()) < 0)
                {
                    break;
                }
            }
            return b.array();
        }
    }

    private static CollectingReceiver.Outcome await(final CollectingReceiver r) throws Exception
    {
        return r.done().get(60, TimeUnit.SECONDS);
    }

    private static void assertPiece(final Path file, final PieceLayout layout, final CollectingReceiver.Outcome o)
        throws Exception
    {
        assertEquals(PieceStatus.OK, o.status(), o.reason());
        final byte[] expected = read(file, layout.pieceOffset(o.pieceIndex()), layout.pieceLength(o.pieceIndex()));
        assertArrayEquals(expected, o.bytes(), "piece " + o.pieceIndex());
        assertArrayEquals(Digest.newSha256().digest(expected), o.digest(), "digest of piece " + o.pieceIndex());
    }

    @Test
    void shouldSendPiecesByteExact() throws Exception
    {
        final PieceLayout layout = PieceLayout.of(10L * MIB + 12345, MIB);
        final Path file = randomFile("a", layout.contentLengthBytes(), 1);
        final int[] all = new int[layout.pieceCount()];
        Arrays.setAll(all, i -> i);
        source.add(id(1), file, layout, all);
        try (PeerConnection c = connect())
        {
            final List<CollectingReceiver> receivers = new ArrayList<>();
            for (final int p : all)
            {
                final CollectingReceiver r = new CollectingReceiver();
                receivers.add(r);
                c.requestPiece(id(1), p, r);
            }
            for (final CollectingReceiver r : receivers)
            {
                assertPiece(file, layout, await(r));
            }
        }
    }

    @Test
    void shouldSendPiecesBeyond2And4GiBFromSparseFile() throws Exception
    {
        final long length = 4L * 1024 * MIB + 3L * MIB;
        final PieceLayout layout = PieceLayout.of(length, MIB);
        final Path file = tmp.resolve("sparse");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(length);
        }
        final int[] pieces = {2047, 2048, 4095, 4096, 4097, layout.pieceCount() - 1};
        final SplittableRandom random = new SplittableRandom(2);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            for (final int p : pieces)
            {
                final byte[] b = new byte[layout.pieceLength(p)];
                for (int i = 0; i < b.length; i++)
                {
                    b[i] = (byte)random.nextInt();
                }
                ch.write(ByteBuffer.wrap(b), layout.pieceOffset(p));
            }
        }
        source.add(id(2), file, layout, pieces);
        try (PeerConnection c = connect())
        {
            for (final int p : pieces)
            {
                final CollectingReceiver r = new CollectingReceiver();
                c.requestPiece(id(2), p, r);
                assertPiece(file, layout, await(r));
            }
        }
        Files.delete(file);
    }

    @Test
    void shouldFailPieceInFlightWhenPeerClosesMidPiece() throws Exception
    {
        final PieceLayout layout = PieceLayout.of(64L * MIB, 64 * MIB);
        final Path file = randomFile("big", layout.contentLengthBytes(), 3);
        source.add(id(3), file, layout, 0);
        final CountDownLatch serverClosed = new CountDownLatch(1);
        final CollectingReceiver r = new CollectingReceiver()
        {
            private boolean first = true;

            @Override
            public void onPieceData(final ByteBuffer data)
            {
                if (first)
                {
                    first = false;
                    // Hold the client until the server is gone, so the piece cannot finish first.
                    new Thread(() ->
                    {
                        server.close();
                        serverClosed.countDown();
                    }).start();
                    try
                    {
                        serverClosed.await(30, TimeUnit.SECONDS);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                }
                super.onPieceData(data);
            }
        };
        try (PeerConnection c = connect())
        {
            c.requestPiece(id(3), 0, r);
            final CollectingReceiver.Outcome o = await(r);
            assertEquals(PieceStatus.ERROR, o.status());
            assertTrue(o.bytes().length < layout.pieceLength(0), "got " + o.bytes().length + " bytes");
            final CollectingReceiver after = new CollectingReceiver();
            c.requestPiece(id(3), 0, after);
            assertEquals(PieceStatus.ERROR, await(after).status(), "requests on a closed connection fail");
        }
    }

    @Test
    void shouldDeliverWholePieceToSlowReader() throws Exception
    {
        final PieceLayout layout = PieceLayout.of(8L * MIB, 8 * MIB);
        final Path file = randomFile("slow", layout.contentLengthBytes(), 4);
        source.add(id(4), file, layout, 0);
        final CollectingReceiver slow = new CollectingReceiver()
        {
            @Override
            public void onPieceData(final ByteBuffer data)
            {
                // A slow consumer: the server must wait for it (back-pressure), not drop or buffer without bound.
                LockSupport.parkNanos(200_000);
                super.onPieceData(data);
            }
        };
        try (PeerConnection c = connect())
        {
            c.requestPiece(id(4), 0, slow);
            assertPiece(file, layout, await(slow));
        }
    }

    @Test
    void shouldServeManyPiecesInFlightOnOneConnection() throws Exception
    {
        final PieceLayout layout = PieceLayout.of(64L * 65536, 65536);
        final Path file = randomFile("many", layout.contentLengthBytes(), 5);
        final int[] all = new int[layout.pieceCount()];
        Arrays.setAll(all, i -> i);
        source.add(id(5), file, layout, all);
        try (PeerConnection c = connect())
        {
            final List<CollectingReceiver> receivers = new ArrayList<>();
            final SplittableRandom random = new SplittableRandom(6);
            for (int i = 0; i < 256; i++)
            {
                final CollectingReceiver r = new CollectingReceiver();
                receivers.add(r);
                c.requestPiece(id(5), random.nextInt(layout.pieceCount()), r);
            }
            int ok = 0;
            for (final CollectingReceiver r : receivers)
            {
                final CollectingReceiver.Outcome o = await(r);
                if (o.status() == PieceStatus.BUSY)
                {
                    continue; // a server may bound what it queues per connection; the client asks again
                }
                assertPiece(file, layout, o);
                ok++;
            }
            assertTrue(ok >= 64, "only " + ok + " of 256 pieces in flight were served");
        }
    }

    @Test
    void shouldAnswerEveryRequestMadeFromManyThreadsAtOnce() throws Exception
    {
        final PieceLayout layout = PieceLayout.of(16L * 65536, 65536);
        final Path file = randomFile("threads", layout.contentLengthBytes(), 9);
        final int[] all = new int[layout.pieceCount()];
        Arrays.setAll(all, i -> i);
        source.add(id(8), file, layout, all);
        final int threads = 4;
        final int requestsPerThread = 300; // together more than a connection queues before it falls back
        try (PeerConnection c = connect())
        {
            final CollectingReceiver[][] receivers = new CollectingReceiver[threads][requestsPerThread];
            final int[][] pieces = new int[threads][requestsPerThread];
            final CountDownLatch start = new CountDownLatch(1);
            final List<Thread> requesters = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                final Thread requester = new Thread(() ->
                {
                    final SplittableRandom random = new SplittableRandom(thread);
                    final byte[] taskId = id(8);
                    try
                    {
                        start.await();
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < requestsPerThread; i++)
                    {
                        receivers[thread][i] = new CollectingReceiver();
                        pieces[thread][i] = random.nextInt(layout.pieceCount());
                        c.requestPiece(taskId, pieces[thread][i], receivers[thread][i]);
                        taskId[0] ^= 0x7f; // the connection copied the id: changing it now must not matter
                        taskId[0] ^= 0x7f;
                    }
                }, "requester-" + t);
                requesters.add(requester);
                requester.start();
            }
            start.countDown();
            for (final Thread requester : requesters)
            {
                requester.join(TimeUnit.SECONDS.toMillis(30));
            }
            int ok = 0;
            for (int t = 0; t < threads; t++)
            {
                for (int i = 0; i < requestsPerThread; i++)
                {
                    final CollectingReceiver.Outcome o = await(receivers[t][i]);
                    if (o.status() == PieceStatus.BUSY)
                    {
                        continue;
                    }
                    assertEquals(pieces[t][i], o.pieceIndex());
                    assertPiece(file, layout, o);
                    ok++;
                }
            }
            assertTrue(ok >= 64, "only " + ok + " of " + threads * requestsPerThread + " requests were served");
        }
    }

    @Test
    void shouldAnswerStatusForUnknownTaskMissingPieceAndOutOfRange() throws Exception
    {
        final PieceLayout layout = PieceLayout.of(4L * 65536, 65536);
        final Path file = randomFile("partial", layout.contentLengthBytes(), 7);
        source.add(id(6), file, layout, 0, 2);
        try (PeerConnection c = connect())
        {
            final CollectingReceiver unknown = new CollectingReceiver();
            final CollectingReceiver missing = new CollectingReceiver();
            final CollectingReceiver outOfRange = new CollectingReceiver();
            final CollectingReceiver negative = new CollectingReceiver();
            final CollectingReceiver ok = new CollectingReceiver();
            c.requestPiece(id(99), 0, unknown);
            c.requestPiece(id(6), 1, missing);
            c.requestPiece(id(6), 4, outOfRange);
            c.requestPiece(id(6), -1, negative);
            c.requestPiece(id(6), 2, ok);
            assertEquals(PieceStatus.NOT_FOUND, await(unknown).status());
            assertEquals(PieceStatus.NOT_YET_AVAILABLE, await(missing).status());
            assertEquals(PieceStatus.BAD_REQUEST, await(outOfRange).status());
            assertEquals(PieceStatus.BAD_REQUEST, await(negative).status());
            assertPiece(file, layout, await(ok));
        }
    }

    @Test
    void shouldCloseOnlyTheConnectionThatSentABadFrame() throws Exception
    {
        final PieceLayout layout = PieceLayout.of(65536, 65536);
        final Path file = randomFile("ok", layout.contentLengthBytes(), 8);
        source.add(id(7), file, layout, 0);
        final byte[][] badFrames = {
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(),
            frame(9, PieceProtocol.TYPE_REQUEST, PieceProtocol.REQUEST_BODY_LENGTH),
            frame(PieceProtocol.VERSION, PieceProtocol.TYPE_RESPONSE, PieceProtocol.REQUEST_BODY_LENGTH),
            frame(PieceProtocol.VERSION, PieceProtocol.TYPE_REQUEST, 0x7fffffff),
        };
        for (final byte[] bad : badFrames)
        {
            try (Socket s = new Socket())
            {
                s.connect(server.localAddress(), 5000);
                s.setSoTimeout(10_000);
                final OutputStream out = s.getOutputStream();
                out.write(bad);
                out.write(new byte[64]);
                out.flush();
                final InputStream in = s.getInputStream();
                assertEquals(-1, readToEnd(in), "the server closes a connection that sent a bad frame");
            }
        }
        try (PeerConnection c = connect())
        {
            final CollectingReceiver r = new CollectingReceiver();
            c.requestPiece(id(7), 0, r);
            assertPiece(file, layout, await(r));
        }
    }

    private static int readToEnd(final InputStream in) throws IOException
    {
        try
        {
            int b;
            while ((b = in.read()) >= 0)
            {
                // drain anything sent before the close
                assertTrue(b >= 0);
            }
            return -1;
        }
        catch (final java.net.SocketException ex)
        {
            return -1; // reset by the server counts as closed
        }
    }

    private static byte[] frame(final int version, final int type, final int bodyLength)
    {
        final ByteBuffer b = ByteBuffer.allocate(PieceProtocol.HEADER_LENGTH);
        b.put((byte)version).put((byte)type).putShort((short)0).putInt(1).putInt(bodyLength);
        return b.array();
    }
}
