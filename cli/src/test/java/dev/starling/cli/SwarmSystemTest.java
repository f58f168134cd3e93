package dev.starling.cli;

import dev.starling.dataplane.testkit.AccessLogEntry;
import dev.starling.dataplane.testkit.NginxOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.starling.cli.ScrapedMetrics.metric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The swarm with real processes: a real nginx origin, a scheduler, a seed daemon and four peer daemons, each
 * peer downloading through its own daemon with {@code starling get}. Liveness and stall timeouts are shortened
 * through configuration.
 */
@Timeout(300)
class SwarmSystemTest
{
    private static final int MIB = 1 << 20;
    private static final Pattern READY = Pattern.compile("pieces on .*?:(\\d+)(?:\\)|,).*metrics on port (\\d+)");

    @TempDir
    Path tmp;

    private NginxOrigin nginx;
    private final List<StarlingProcess> processes = new ArrayList<>();
    private int schedulerPort;

    @AfterEach
    void tearDown() throws Exception
    {
        for (final StarlingProcess p : processes)
        {
            p.close();
        }
        if (nginx != null)
        {
            nginx.close();
        }
    }

    private record Node(StarlingProcess process, Path dataDir, int piecePort, int metricsPort)
    {
    }

    private StarlingProcess scheduler() throws Exception
    {
        if (schedulerPort == 0)
        {
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
            {
                schedulerPort = s.getLocalPort();
            }
        }
        final StarlingProcess p = StarlingProcess.start(tmp.resolve("proc-scheduler"),
            List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=info"), "scheduler",
            "--listen", "127.0.0.1:" + schedulerPort, "--aeron-dir", tmp.resolve("aeron-scheduler").toString(),
            "--peer-timeout", "3s");
        processes.add(p);
        p.awaitStdoutLine("ready", 60);
        return p;
    }

    private Node daemon(final String name, final String... extra) throws Exception
    {
        final Path dataDir = tmp.resolve(name);
        final List<String> args = new ArrayList<>(List.of("daemon", "--data-dir", dataDir.toString(),
            "--piece-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--mirror-listen", "127.0.0.1:0", "--hub-listen", "127.0.0.1:0",
            "--scheduler", "127.0.0.1:" + schedulerPort, "--advertise-address", "127.0.0.1",
            "--aeron-dir", tmp.resolve("aeron-" + name).toString(), "--aeron-liveness-ms", "1500",
            "--piece-length", "1m", "--swarm-stall-timeout-ms", "4000"));
        args.addAll(List.of(extra));
        final StarlingProcess p = StarlingProcess.start(tmp.resolve("proc-" + name), args.toArray(String[]::new));
        processes.add(p);
        final String line = p.awaitStdoutLine("ready", 60);
        final Matcher m = READY.matcher(line);
        assertTrue(m.find(), line);
        return new Node(p, dataDir, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    private StarlingProcess startGet(final Node node, final String url, final Path target) throws Exception
    {
        final StarlingProcess p = StarlingProcess.start(tmp.resolve("proc-get-" + target.getFileName()), "get", url,
            "-o", target.toString(), "--data-dir", node.dataDir().toString(), "--progress", "none");
        processes.add(p);
        return p;
    }

    private List<Node> peers(final int count) throws Exception
    {
        final List<Node> peers = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            peers.add(daemon("peer" + i));
        }
        return peers;
    }

    /** Starts one get per peer, all at once, into out0, out1, ... */
    private List<StarlingProcess> startGets(final List<Node> peers, final String url) throws Exception
    {
        final List<StarlingProcess> gets = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++)
        {
            gets.add(startGet(peers.get(i), url, tmp.resolve("out" + i)));
        }
        return gets;
    }

    /** Waits for every get from index {@code from} on, and checks each copy. */
    private static void awaitAll(final List<StarlingProcess> gets, final int from, final Path file, final Path dir)
        throws Exception
    {
        for (int i = from; i < gets.size(); i++)
        {
            final StarlingProcess.Result r = gets.get(i).await(180);
            assertEquals(0, r.exitCode(), r.toString());
            assertSameBytes(file, dir.resolve("out" + i));
        }
    }

    private long originBodyBytes(final String path)
    {
        return nginx.accessLog().stream().filter(e -> e.path().equals(path) && e.method().equals("GET"))
            .mapToLong(AccessLogEntry::bodyBytesSent).sum();
    }

    private void awaitPeerBytes(final Node node, final long atLeast, final String what) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (metric(node.metricsPort(), "starling_bytes_total", "source=\"peer\"") +
            metric(node.metricsPort(), "starling_bytes_total", "source=\"origin\"") < atLeast)
        {
            assertTrue(System.nanoTime() < deadline, what);
            LockSupport.parkNanos(50_000_000L);
        }
    }

    private static void assertSameBytes(final Path expected, final Path actual) throws IOException
    {
        assertTrue(Files.exists(actual), actual + " is missing");
        assertEquals(NginxOrigin.sha256Hex(expected), NginxOrigin.sha256Hex(actual), actual + " differs");
    }

    @Test
    void shouldServeEachByteFromTheOriginOnceAcrossFourPeers() throws Exception
    {
        nginx = NginxOrigin.start(tmp.resolve("nginx"));
        final long size = 48L * MIB + 12_345;
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("a.bin"), size, 11);
        final String url = nginx.url("/files/a.bin").toString();
        scheduler();
        daemon("seed", "--seed");
        final List<Node> peers = peers(4);
        final List<StarlingProcess> gets = startGets(peers, url);
        awaitAll(gets, 0, file, tmp);
        double fromPeers = 0;
        for (int i = 0; i < peers.size(); i++)
        {
            fromPeers += metric(peers.get(i).metricsPort(), "starling_bytes_total", "source=\"peer\"");
        }
        final long origin = originBodyBytes("/files/a.bin");
        assertTrue(origin >= size && origin <= size + MIB, "the origin served " + origin + " bytes for " + size);
        assertTrue(fromPeers >= 4.0 * size - 2.0 * MIB, "peers got only " + fromPeers + " bytes from each other");

        // A get without a daemon joins the swarm with an embedded one and takes every piece from the peers.
        final StarlingProcess.Result embedded = StarlingProcess.run(tmp.resolve("proc-embedded"), "get", url, "-o",
            tmp.resolve("embedded.out").toString(), "--data-dir", tmp.resolve("embedded").toString(),
            "--progress", "none", "--scheduler", "127.0.0.1:" + schedulerPort, "--advertise-address", "127.0.0.1",
            "--aeron-dir", tmp.resolve("aeron-embedded").toString(), "--piece-length", "1m");
        assertEquals(0, embedded.exitCode(), embedded.toString());
        assertSameBytes(file, tmp.resolve("embedded.out"));
        assertTrue(embedded.stderr().contains("origin 0 bytes, peers " + size + " bytes"), embedded.stderr());
        assertEquals(origin, originBodyBytes("/files/a.bin"), "the origin served the content again");
    }

    @Test
    void shouldServeATaskItHeldBeforeTheDaemonRestarted() throws Exception
    {
        nginx = NginxOrigin.start(tmp.resolve("nginx"));
        final long size = 24L * MIB + 7;
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("r.bin"), size, 14);
        final String url = nginx.url("/files/r.bin").toString();
        final StarlingProcess scheduler = scheduler();
        final Node first = daemon("holder");
        final StarlingProcess.Result got = startGet(first, url, tmp.resolve("held.out")).await(120);
        assertEquals(0, got.exitCode(), got.toString());
        final long origin = originBodyBytes("/files/r.bin");
        assertTrue(origin >= size, "the holder fetched " + origin + " bytes from the origin");

        final int removalsBefore = removals(scheduler.stderr());
        first.process().terminate();
        // The scheduler must forget the stopped daemon (it left, or its 3 s peer timeout ran out) before it comes back.
        final long forgetDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (removals(scheduler.stderr()) == removalsBefore)
        {
            assertTrue(System.nanoTime() < forgetDeadline, "the scheduler never removed the stopped daemon");
            LockSupport.parkNanos(50_000_000L);
        }
        final int layoutsBefore = count(scheduler.stderr(), "layout known from");
        daemon("holder");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count(scheduler.stderr(), "layout known from") == layoutsBefore)
        {
            assertTrue(System.nanoTime() < deadline, "the restarted daemon never announced the task it holds");
            LockSupport.parkNanos(50_000_000L);
        }

        final Node second = daemon("newcomer");
        final StarlingProcess.Result again = startGet(second, url, tmp.resolve("newcomer.out")).await(120);
        assertEquals(0, again.exitCode(), again.toString());
        assertSameBytes(file, tmp.resolve("newcomer.out"));
        assertEquals(origin, originBodyBytes("/files/r.bin"), "the origin served the task again");
        assertTrue(metric(second.metricsPort(), "starling_bytes_total", "source=\"peer\"") >= size,
            "the newcomer's bytes must come from the restarted holder");
    }

    /** Hosts the scheduler removed so far: its "host ID: left" and "host ID: timed out …" lines. */
    private static int removals(final String schedulerLog)
    {
        return (int)java.util.regex.Pattern.compile("host [0-9a-f]+: (left|timed out)").matcher(schedulerLog)
            .results().count();
    }

    private static int count(final String text, final String marker)
    {
        int n = 0;
        for (int i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, i + 1))
        {
            n++;
        }
        return n;
    }

    @Test
    void shouldCompleteEveryOtherPeerWhenOnePeerIsKilledMidTransfer() throws Exception
    {
        nginx = NginxOrigin.builder(tmp.resolve("nginx")).limitRateBytesPerSec(12L * MIB).start();
        final long size = 40L * MIB;
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("k.bin"), size, 12);
        final String url = nginx.url("/files/k.bin").toString();
        scheduler();
        daemon("seed", "--seed");
        final List<Node> peers = peers(4);
        final List<StarlingProcess> gets = startGets(peers, url);
        awaitPeerBytes(peers.get(0), 6L * MIB, "the first peer never got pieces");
        peers.get(0).process().kill9();
        awaitAll(gets, 1, file, tmp);
    }

    @Test
    void shouldCatchAndExcludeAParentThatServesCorruptBytes() throws Exception
    {
        nginx = NginxOrigin.start(tmp.resolve("nginx"));
        final long size = 16L * MIB;
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("c.bin"), size, 13);
        final String url = nginx.url("/files/c.bin").toString();
        scheduler();
        final Node bad = daemon("bad");
        final StarlingProcess.Result first = StarlingProcess.run(tmp.resolve("proc-first"), "get", url, "-o",
            tmp.resolve("bad.out").toString(), "--data-dir", bad.dataDir().toString(), "--progress", "none");
        assertEquals(0, first.exitCode(), first.toString());
        corruptEveryPiece(bad.dataDir(), size);

        final List<Node> peers = peers(2);
        final List<StarlingProcess> gets = startGets(peers, url);
        awaitAll(gets, 0, file, tmp);
        double excluded = 0;
        for (final Node p : peers)
        {
            excluded += metric(p.metricsPort(), "starling_parents_excluded_total", "reason=\"digest_mismatch\"");
        }
        assertTrue(excluded >= 1, "no peer excluded the corrupt parent");
    }

    @Test
    void shouldFinishEveryDownloadWhenTheSchedulerIsKilledAndRestartedMidDownload() throws Exception
    {
        nginx = NginxOrigin.builder(tmp.resolve("nginx")).limitRateBytesPerSec(10L * MIB).start();
        final long size = 40L * MIB;
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("r.bin"), size, 14);
        final String url = nginx.url("/files/r.bin").toString();
        final StarlingProcess scheduler = scheduler();
        daemon("seed", "--seed");
        final List<Node> peers = peers(4);
        final List<StarlingProcess> gets = startGets(peers, url);
        awaitPeerBytes(peers.get(0), 4L * MIB, "no pieces moved before the scheduler was killed");
        scheduler.kill9();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
        final StarlingProcess restarted = scheduler();
        awaitAll(gets, 0, file, tmp);
        // The restarted scheduler rebuilt the swarm from the daemons' registrations.
        final String log = restarted.stderr();
        assertTrue(Pattern.compile("host registered").matcher(log).results().count() >= 5, log);
        assertTrue(log.contains("layout known"), log);
    }

    /** Flips one byte in every 1 MiB piece of the one content file in a data dir. */
    private static void corruptEveryPiece(final Path dataDir, final long size) throws IOException
    {
        final Path content;
        try (Stream<Path> files = Files.walk(dataDir))
        {
            content = files.filter(Files::isRegularFile).filter(p -> sizeOf(p) == size)
                .filter(p -> !p.getFileName().toString().endsWith(".out"))
                .max(Comparator.comparing(Path::toString)).orElseThrow();
        }
        try (RandomAccessFile raf = new RandomAccessFile(content.toFile(), "rw"))
        {
            for (long offset = 100; offset < size; offset += MIB)
            {
                raf.seek(offset);
                final int b = raf.read();
                raf.seek(offset);
                raf.write(b ^ 0xFF);
            }
        }
    }

    private static long sizeOf(final Path p)
    {
        try
        {
            return Files.size(p);
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }
}
