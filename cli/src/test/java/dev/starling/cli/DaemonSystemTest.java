package dev.starling.cli;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.testkit.AccessLogEntry;
import dev.starling.dataplane.testkit.NginxOrigin;
import dev.starling.dataplane.transport.CollectingReceiver;
import dev.starling.dataplane.transport.PeerConnection;
import dev.starling.dataplane.transport.PieceStatus;
import dev.starling.dataplane.transport.tcp.TcpTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.starling.cli.ScrapedMetrics.metric;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two real daemons and a real nginx origin: node-to-node transfer, failure of the serving node, and bad input on
 * the piece port.
 */
@Timeout(240)
class DaemonSystemTest
{
    private static final int MIB = 1 << 20;
    private static final Pattern READY = Pattern.compile("pieces on .*?:(\\d+)(?:\\)|,).*metrics on port (\\d+)");

    @TempDir
    Path tmp;

    private NginxOrigin nginx;
    private final List<StarlingProcess> processes = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception
    {
        nginx = NginxOrigin.start(tmp.resolve("nginx"));
    }

    @AfterEach
    void tearDown() throws Exception
    {
        for (final StarlingProcess p : processes)
        {
            p.close();
        }
        nginx.close();
    }

    private record Node(StarlingProcess process, Path dataDir, int piecePort, int metricsPort)
    {
    }

    /** Starts a daemon; {@code extra} are daemon flags (a get through it uses the daemon's settings). */
    private Node daemon(final String name, final String... extra) throws Exception
    {
        final Path dataDir = tmp.resolve(name);
        final List<String> args = new ArrayList<>(List.of("daemon", "--data-dir", dataDir.toString(),
            "--piece-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--mirror-listen", "127.0.0.1:0", "--hub-listen", "127.0.0.1:0"));
        args.addAll(List.of(extra));
        final StarlingProcess p = StarlingProcess.start(tmp.resolve("proc-" + name), args.toArray(String[]::new));
        processes.add(p);
        final String line = p.awaitStdoutLine("ready", 60);
        final Matcher m = READY.matcher(line);
        assertTrue(m.find(), line);
        return new Node(p, dataDir, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    private StarlingProcess.Result get(final Node node, final String url, final Path target, final String... extra)
        throws Exception
    {
        final List<String> args = new ArrayList<>(List.of("get", url, "-o", target.toString(), "--data-dir",
            node.dataDir().toString(), "--progress", "none"));
        args.addAll(List.of(extra));
        return StarlingProcess.run(tmp.resolve("proc"), args.toArray(String[]::new));
    }

    private static String http(final int port, final String path) throws Exception
    {
        final HttpResponse<String> r = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    private long originBodyBytes(final String path)
    {
        return nginx.accessLog().stream().filter(e -> e.path().equals(path) && e.method().equals("GET"))
            .mapToLong(AccessLogEntry::bodyBytesSent).sum();
    }

    @Test
    void shouldGiveSecondDaemonEveryPieceFromTheFirstWithoutTheOriginServingTwice() throws Exception
    {
        final long size = 24L * MIB + 321;
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("a.bin"), size, 1);
        final String url = nginx.url("/files/a.bin").toString();
        final Node a = daemon("a", "--piece-length", "1m");
        final Node b = daemon("b", "--piece-length", "1m");

        final StarlingProcess.Result first = get(a, url, tmp.resolve("a.out"));
        assertEquals(0, first.exitCode(), first.toString());
        nginx.awaitAccessLog(e -> e.path().equals("/files/a.bin") && e.status() == 206, 25, Duration.ofSeconds(10));
        assertEquals(size, originBodyBytes("/files/a.bin"));

        final StarlingProcess.Result second = get(b, url, tmp.resolve("b.out"), "--from", "127.0.0.1:" + a.piecePort());
        assertEquals(0, second.exitCode(), second.toString());
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(tmp.resolve("b.out")));
        assertTrue(second.stderr().contains("origin 0 bytes, peers " + size + " bytes"), second.stderr());
        assertEquals(size, originBodyBytes("/files/a.bin"), "the origin served the content a second time");

        assertEquals((double)size, metric(a.metricsPort(), "starling_bytes_total", "source=\"served\""));
        assertEquals((double)size, metric(b.metricsPort(), "starling_bytes_total", "source=\"peer\""));
        assertEquals((double)size, metric(a.metricsPort(), "starling_bytes_total", "source=\"origin\""));
        assertEquals("200 ok\n", http(a.metricsPort(), "/healthz"));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (metric(b.metricsPort(), "starling_tasks", "state=\"complete\"") < 1)
        {
            assertTrue(System.nanoTime() < deadline, "the daemon never counted its complete task");
            java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
        }
        a.process().terminate();
        assertTrue(!Files.exists(a.dataDir().resolve("control.sock")), "a stopped daemon removes its control socket");
        assertTrue(Files.exists(a.dataDir().resolve("index/tasks-v1.clean")), "a stopped daemon closes its index");
    }

    @Test
    void shouldCompleteFromTheOriginWhenTheServingDaemonIsKilledMidTransfer() throws Exception
    {
        final long size = 96L * MIB;
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("k.bin"), size, 2);
        final String url = nginx.url("/files/k.bin").toString();
        final Node a = daemon("a", "--piece-length", "64k");
        assertEquals(0, get(a, url, tmp.resolve("a.out")).exitCode());
        final Node b = daemon("b", "--piece-length", "64k", "--concurrency", "1", "--peer-concurrency", "1");

        try (StarlingProcess second = StarlingProcess.start(tmp.resolve("proc"), "get", url, "-o",
            tmp.resolve("b.out").toString(), "--data-dir", b.dataDir().toString(), "--progress", "none",
            "--from", "127.0.0.1:" + a.piecePort()))
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (metric(b.metricsPort(), "starling_bytes_total", "source=\"peer\"") < 4 * MIB)
            {
                assertTrue(System.nanoTime() < deadline, "no piece came from the first daemon");
            }
            a.process().kill9();
            final StarlingProcess.Result r = second.await(120);
            assertEquals(0, r.exitCode(), r.toString());
        }
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(tmp.resolve("b.out")));
        final double fromPeer = metric(b.metricsPort(), "starling_bytes_total", "source=\"peer\"");
        final double fromOrigin = metric(b.metricsPort(), "starling_bytes_total", "source=\"origin\"");
        assertTrue(fromPeer > 0 && fromPeer < size, "peer bytes " + fromPeer);
        assertTrue(fromOrigin >= size - fromPeer, "origin bytes " + fromOrigin + " + peer bytes " + fromPeer);
    }

    @Test
    void shouldAnswerUnknownTasksAndOutOfRangePiecesAndSurviveMalformedFrames() throws Exception
    {
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("s.bin"), 3L * MIB, 3);
        final String url = nginx.url("/files/s.bin").toString();
        final Node a = daemon("a", "--piece-length", "1m");
        assertEquals(0, get(a, url, tmp.resolve("a.out"), "--digest",
            "sha256:" + NginxOrigin.sha256Hex(file)).exitCode());
        final byte[] taskId = java.util.HexFormat.of().parseHex(NginxOrigin.sha256Hex(file));

        for (final byte[] garbage : List.of("GET / HTTP/1.1\r\n\r\n".getBytes(), new byte[64], new byte[] {1, 1, 0}))
        {
            try (Socket s = new Socket("127.0.0.1", a.piecePort()))
            {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(garbage);
                s.shutdownOutput();
                final InputStream in = s.getInputStream();
                while (in.read() >= 0)
                {
                    assertTrue(true);
                }
            }
            catch (final java.net.SocketException reset)
            {
                assertTrue(reset.getMessage() != null);
            }
        }

        try (TcpTransport client = TcpTransport.open("nio", 1, 64);
             PeerConnection c = client.connect(new InetSocketAddress("127.0.0.1", a.piecePort())).get(10, TimeUnit.SECONDS))
        {
            final CollectingReceiver unknown = new CollectingReceiver();
            final CollectingReceiver outOfRange = new CollectingReceiver();
            final CollectingReceiver ok = new CollectingReceiver();
            c.requestPiece(new byte[32], 0, unknown);
            c.requestPiece(taskId, 3, outOfRange);
            c.requestPiece(taskId, 2, ok);
            assertEquals(PieceStatus.NOT_FOUND, unknown.done().get(10, TimeUnit.SECONDS).status());
            assertEquals(PieceStatus.BAD_REQUEST, outOfRange.done().get(10, TimeUnit.SECONDS).status());
            final CollectingReceiver.Outcome piece = ok.done().get(10, TimeUnit.SECONDS);
            assertEquals(PieceStatus.OK, piece.status());
            assertArrayEquals(java.util.Arrays.copyOfRange(Files.readAllBytes(file), 2 * MIB, 3 * MIB), piece.bytes());
        }
        assertEquals("200 ok\n", http(a.metricsPort(), "/healthz"));
        assertTrue(a.process().isAlive());
    }

    @Test
    void shouldFetchFromTheOriginWhenPeersDisagreeOnThePieceDigest() throws Exception
    {
        final long size = 3L * MIB;
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("d.bin"), size, 4);
        final String url = nginx.url("/files/d.bin").toString();
        final Node a = daemon("a", "--piece-length", "1m", "--piece-digest", "crc32c");
        final Node b = daemon("b", "--piece-length", "1m");
        assertEquals(0, get(a, url, tmp.resolve("a.out")).exitCode());

        final StarlingProcess.Result r = get(b, url, tmp.resolve("b.out"), "--from", "127.0.0.1:" + a.piecePort());
        assertEquals(0, r.exitCode(), r.toString());
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(tmp.resolve("b.out")));
        assertTrue(r.stderr().contains("origin " + size + " bytes, peers 0 bytes"), r.stderr());
        assertEquals(3.0, metric(b.metricsPort(), "starling_errors_total", "code=\"PEER_FAILED\""));
    }

    @Test
    void shouldRefuseSecondDaemonOnTheSameDataDir() throws Exception
    {
        final Node a = daemon("a");
        final StarlingProcess.Result second = StarlingProcess.run(tmp.resolve("proc"), "daemon", "--data-dir",
            a.dataDir().toString(), "--piece-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--mirror-listen", "127.0.0.1:0", "--hub-listen", "127.0.0.1:0");
        assertEquals(ErrorCode.DATA_DIR_LOCKED.exitCode(), second.exitCode(), second.toString());
        assertTrue(a.process().isAlive());
    }
}
