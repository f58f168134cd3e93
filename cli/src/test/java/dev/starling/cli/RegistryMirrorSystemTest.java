package dev.starling.cli;

import dev.starling.dataplane.testkit.AccessLogEntry;
import dev.starling.dataplane.testkit.OciImage;
import dev.starling.dataplane.testkit.RegistryFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.starling.cli.ScrapedMetrics.metric;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real containerd pulling through the registry mirror: a real docker-registry holds a multi-layer image; a
 * scheduler and two daemons run as processes; one containerd (its own root, state and socket) pulls through daemon
 * A, then a second containerd through daemon B. B's blobs must come from A, the registry must serve each blob's
 * bytes once, and the image must unpack with the files it was built from.
 */
@Timeout(300)
class RegistryMirrorSystemTest
{
    private static final Pattern READY = Pattern.compile(
        "pieces on .*?:(\\d+)(?:\\)|,).*metrics on port (\\d+), registry mirror on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern REGISTRY_MIRROR = Pattern.compile("registry mirror for (\\S+) on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path tmp;

    private RegistryFixture registry;
    private final List<StarlingProcess> processes = new ArrayList<>();
    private final List<Process> containerds = new ArrayList<>();
    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception
    {
        for (final Path m : mounts)
        {
            new ProcessBuilder("umount", m.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
        for (final Process p : containerds)
        {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS))
            {
                p.destroyForcibly();
            }
        }
        for (final StarlingProcess p : processes)
        {
            p.close();
        }
        if (registry != null)
        {
            registry.close();
        }
    }

    private record Node(StarlingProcess process, int metricsPort, int mirrorPort, Map<String, Integer> registryPorts)
    {
    }

    private Node daemon(final String name, final int schedulerPort) throws Exception
    {
        return daemon(name, "--registry-default", "http://" + registry.host(), "--registry-insecure", registry.host(),
            "--scheduler", "127.0.0.1:" + schedulerPort, "--advertise-address", "127.0.0.1",
            "--aeron-dir", tmp.resolve("aeron-" + name).toString(), "--aeron-liveness-ms", "1500");
    }

    private Node daemon(final String name, final String... extra) throws Exception
    {
        final List<String> args = new ArrayList<>(List.of("daemon", "--data-dir", tmp.resolve(name).toString(),
            "--piece-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--mirror-listen", "127.0.0.1:0", "--hub-listen", "127.0.0.1:0"));
        args.addAll(List.of(extra));
        final StarlingProcess p = StarlingProcess.start(tmp.resolve("proc-" + name), args.toArray(String[]::new));
        processes.add(p);
        final String line = p.awaitStdoutLine("ready", 60);
        final Matcher m = READY.matcher(line);
        assertTrue(m.find(), line);
        final Map<String, Integer> registryPorts = new LinkedHashMap<>();
        final Matcher r = REGISTRY_MIRROR.matcher(line);
        while (r.find())
        {
            registryPorts.put(r.group(1), Integer.parseInt(r.group(2)));
        }
        return new Node(p, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), registryPorts);
    }

    /** Starts a containerd with its own root, state and sockets; returns its socket. */
    private Path containerd(final String name) throws Exception
    {
        final Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        final Path socket = dir.resolve("containerd.sock");
        Files.writeString(dir.resolve("config.toml"), String.join("\n",
            "version = 2",
            "root = \"" + dir.resolve("root") + "\"",
            "state = \"" + dir.resolve("state") + "\"",
            "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]",
            "[grpc]",
            "  address = \"" + socket + "\"",
            "[ttrpc]",
            "  address = \"" + dir.resolve("containerd-ttrpc.sock") + "\"",
            "[debug]",
            "  address = \"" + dir.resolve("debug.sock") + "\"",
            ""));
        final Process p = new ProcessBuilder("/usr/bin/containerd", "--config", dir.resolve("config.toml").toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
        containerds.add(p);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(socket))
        {
            assertTrue(p.isAlive(), "containerd died: " + Files.readString(dir.resolve("containerd.log")));
            assertTrue(System.nanoTime() < deadline, "containerd did not start");
            Thread.sleep(50);
        }
        return socket;
    }

    /** Writes the hosts.toml that sends the registry's pulls through a mirror. */
    private Path hostsDir(final String name, final int mirrorPort) throws IOException
    {
        return hostsDir(name, registry.host(), mirrorPort);
    }

    /** Writes the hosts.toml that sends a registry host's pulls through a mirror. */
    private Path hostsDir(final String name, final String registryHost, final int mirrorPort) throws IOException
    {
        final Path dir = tmp.resolve(name);
        final Path file = dir.resolve(registryHost).resolve("hosts.toml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, String.join("\n",
            "server = \"http://" + registryHost + "\"",
            "[host.\"http://127.0.0.1:" + mirrorPort + "\"]",
            "  capabilities = [\"pull\", \"resolve\"]",
            ""));
        return dir;
    }

    private static String ctr(final Path socket, final String... args) throws Exception
    {
        final List<String> cmd = new ArrayList<>(List.of("/usr/bin/ctr", "--address", socket.toString(), "-n", "test"));
        cmd.addAll(List.of(args));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ctr hung: " + cmd);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
        return out;
    }

    private long registryBlobBytes(final String digest)
    {
        return registry.accessLog().stream()
            .filter(e -> e.method().equals("GET") && e.path().endsWith("/blobs/" + digest))
            .mapToLong(AccessLogEntry::bodyBytesSent).sum();
    }

    private int scheduler() throws Exception
    {
        final int schedulerPort;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            schedulerPort = s.getLocalPort();
        }
        final StarlingProcess scheduler = StarlingProcess.start(tmp.resolve("proc-scheduler"), "scheduler",
            "--listen", "127.0.0.1:" + schedulerPort, "--aeron-dir", tmp.resolve("aeron-scheduler").toString(),
            "--peer-timeout", "3s");
        processes.add(scheduler);
        scheduler.awaitStdoutLine("ready", 60);
        return schedulerPort;
    }

    @Test
    void shouldPullThroughTwoNodesWithTheSecondTakingEveryBlobFromTheFirst() throws Exception
    {
        registry = RegistryFixture.start(tmp.resolve("registry"));
        final OciImage image = OciImage.builder(tmp.resolve("image")).seed(31).addLayers(3, 4, 2_000_000).build();
        registry.push(image, "team/app", "v1");
        final int schedulerPort = scheduler();
        final Node a = daemon("a", schedulerPort);
        final Node b = daemon("b", schedulerPort);
        final String ref = registry.host() + "/team/app:v1";

        ctr(containerd("containerd-a"), "images", "pull", "--hosts-dir", hostsDir("hosts-a", a.mirrorPort()).toString(), ref);
        final Path socketB = containerd("containerd-b");
        ctr(socketB, "images", "pull", "--hosts-dir", hostsDir("hosts-b", b.mirrorPort()).toString(), ref);

        long layerBytes = 0;
        for (final OciImage.Layer layer : image.layers())
        {
            final String digest = layer.blob().digest();
            assertEquals(layer.blob().sizeBytes(), registryBlobBytes(digest), "the registry served " + digest +
                " more or less than once");
            layerBytes += layer.blob().sizeBytes();
        }
        assertTrue(metric(b.metricsPort(), "starling_bytes_total", "source=\"peer\"") >= layerBytes,
            "node B did not get the layers from node A");
        assertEquals(0.0, metric(b.metricsPort(), "starling_bytes_total", "source=\"origin\""),
            "node B went to the registry");

        final Path mount = tmp.resolve("mnt");
        Files.createDirectories(mount);
        ctr(socketB, "images", "mount", ref, mount.toString());
        mounts.add(mount);
        for (final OciImage.Layer layer : image.layers())
        {
            for (final OciImage.LayerFile f : layer.files())
            {
                assertArrayEquals(f.content(), Files.readAllBytes(mount.resolve(f.path())), f.path());
            }
        }
    }

    @Test
    void shouldLetContainerdFallBackToTheRegistryWhenTheMirrorCannotReachIt() throws Exception
    {
        registry = RegistryFixture.start(tmp.resolve("registry"));
        final OciImage image = OciImage.builder(tmp.resolve("image")).seed(32).addLayers(2, 2, 500_000).build();
        registry.push(image, "team/app", "v1");
        // The registry speaks plain HTTP, but this daemon was not told so: its HTTPS calls fail, it answers 502.
        final Node a = daemon("a");
        final String ref = registry.host() + "/team/app:v1";

        ctr(containerd("containerd-a"), "images", "pull", "--hosts-dir", hostsDir("hosts-a", a.mirrorPort()).toString(), ref);

        for (final OciImage.Layer layer : image.layers())
        {
            assertEquals(layer.blob().sizeBytes(), registryBlobBytes(layer.blob().digest()),
                "containerd did not get " + layer.blob().digest() + " from the registry itself");
        }
        assertEquals(0.0, metric(a.metricsPort(), "starling_bytes_total", "source=\"origin\""));
        assertTrue(metric(a.metricsPort(), "starling_errors_total", "code=\"ORIGIN_UNREACHABLE\"") >= 1,
            "containerd never asked the mirror");
    }

    @Test
    void shouldKeepTheClientsCredentialsOnItsNodeWhileTheSwarmServesAPrivateImage() throws Exception
    {
        registry = RegistryFixture.builder(tmp.resolve("registry")).basicAuth("puller", "s3cret").start();
        final OciImage image = OciImage.builder(tmp.resolve("image")).seed(33).addLayers(2, 2, 1_000_000).build();
        registry.push(image, "private/app", "v1");
        final int schedulerPort = scheduler();
        final Node seed = daemon("seed", "--registry-default", "http://" + registry.host(), "--registry-insecure",
            registry.host(), "--scheduler", "127.0.0.1:" + schedulerPort, "--advertise-address", "127.0.0.1",
            "--aeron-dir", tmp.resolve("aeron-seed").toString(), "--aeron-liveness-ms", "1500", "--seed");
        final Node a = daemon("a", schedulerPort);
        final String ref = registry.host() + "/private/app:v1";

        ctr(containerd("containerd-a"), "images", "pull", "--user", "puller:s3cret", "--hosts-dir",
            hostsDir("hosts-a", a.mirrorPort()).toString(), ref);

        // The seed was asked first and had no credentials (they never leave node A): it failed and said so, and the
        // scheduler sent A to the registry with the client's own credentials, without waiting for a timeout.
        final String seedLog = seed.process().stderr();
        assertTrue(seedLog.contains("ORIGIN_DENIED"), seedLog);
        assertEquals(0.0, metric(seed.metricsPort(), "starling_bytes_total", "source=\"origin\""));
        long layerBytes = 0;
        for (final OciImage.Layer layer : image.layers())
        {
            layerBytes += layer.blob().sizeBytes();
        }
        assertTrue(metric(a.metricsPort(), "starling_bytes_total", "source=\"origin\"") >= layerBytes);
        assertEquals(0.0, metric(a.metricsPort(), "starling_scheduler_fallbacks_total", ""),
            "node A went to the registry on a timeout, not on the scheduler's word");
    }

    /**
     * containerd 1.6 keeps a killed pull's partial layer in its content store's ingest directory and, on the next
     * pull, asks for the rest with {@code Range: bytes=<ingested>-}. Here the registry sits behind a relay that stops
     * after 6 MiB, so the mirror can stream only part of the 24 MiB layer: once containerd's ingest stops growing,
     * ctr is killed, the relay opened, and the image pulled again.
     */
    @Test
    void shouldServeTheRangedRequestOfAResumedContainerdPullAndEndByteExact() throws Exception
    {
        registry = RegistryFixture.start(tmp.resolve("registry"));
        final OciImage image = OciImage.builder(tmp.resolve("image")).seed(34).addLayer(1, 24 << 20).build();
        registry.push(image, "team/big", "v1");
        try (GatedRelay relay = new GatedRelay(registry.port(), 6L << 20))
        {
            final Node a = daemon("a", "--registry-default", relay.host(), "--registry-insecure", relay.host(),
                "--piece-length", "1m");
            final String ref = relay.host() + "/team/big:v1";
            final Path socket = containerd("containerd-a");
            final Path hosts = hostsDir("hosts-a", relay.host(), a.mirrorPort());
            final OciImage.Blob layer = image.layers().get(0).blob();
            final Path ingest = tmp.resolve("containerd-a/root/io.containerd.content.v1.content/ingest");

            final Process interrupted = new ProcessBuilder("/usr/bin/ctr", "--address", socket.toString(), "-n", "test",
                "images", "pull", "--hosts-dir", hosts.toString(), ref).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("ctr-interrupted.log").toFile()).start();
            final long partial = awaitStableIngest(ingest, interrupted);
            interrupted.destroyForcibly();
            assertTrue(interrupted.waitFor(10, TimeUnit.SECONDS));
            assertTrue(partial > 0 && partial < layer.sizeBytes(), "ingested " + partial + " of " + layer.sizeBytes());
            assertEquals(partial, ingestedBytes(ingest), "containerd kept the partial layer");

            relay.open();
            ctr(socket, "images", "pull", "--hosts-dir", hosts.toString(), ref);

            assertTrue(metric(a.metricsPort(), "starling_mirror_ranged_requests_total", "") >= 1,
                "containerd did not resume with a Range request");
            final Path stored = tmp.resolve("containerd-a/root/io.containerd.content.v1.content/blobs/sha256")
                .resolve(layer.digest().substring("sha256:".length()));
            assertArrayEquals(layer.readBytes(), Files.readAllBytes(stored), "the resumed layer differs");
            assertEquals(0, ingestedBytes(ingest), "an ingest was left behind");
        }
    }

    /**
     * CRI-O's and skopeo's requests name no registry, so each registry gets a mirror listener of its own: one daemon
     * with two, the drop-in {@code starling crio-config} writes for them, and skopeo (containers/image, as in CRI-O)
     * pulling an image from each registry through it.
     */
    @Test
    void shouldPullFromTwoRegistriesThroughTheirOwnMirrorListenersWithCrioConfigsDropIn() throws Exception
    {
        registry = RegistryFixture.start(tmp.resolve("registry"));
        try (RegistryFixture other = RegistryFixture.start(tmp.resolve("registry-2")))
        {
            final OciImage first = OciImage.builder(tmp.resolve("image-1")).seed(35).addLayers(2, 2, 400_000).build();
            final OciImage second = OciImage.builder(tmp.resolve("image-2")).seed(36).addLayers(2, 2, 400_000).build();
            registry.push(first, "team/one", "v1");
            other.push(second, "team/two", "v1");
            final Node a = daemon("a", "--registry-insecure", registry.host() + "," + other.host(),
                "--mirror-registry-listen", registry.host() + "=127.0.0.1:0," + other.host() + "=127.0.0.1:0");
            final int firstPort = a.registryPorts().get(registry.host());
            final int secondPort = a.registryPorts().get(other.host());
            final Path dropIn = tmp.resolve("registries.conf.d/50-starling.conf");
            final InProcessRun config = InProcessRun.run("crio-config", "--file", dropIn.toString(),
                "--mirror-registry-listen", registry.host() + "=127.0.0.1:" + firstPort + "," + other.host() +
                "=127.0.0.1:" + secondPort);
            assertEquals(0, config.exitCode(), config.err());

            skopeoCopy(dropIn, registry.host() + "/team/one:v1", tmp.resolve("out-1"));
            skopeoCopy(dropIn, other.host() + "/team/two:v1", tmp.resolve("out-2"));

            assertHoldsEveryBlob(first, tmp.resolve("out-1"));
            assertHoldsEveryBlob(second, tmp.resolve("out-2"));
            long layerBytes = 0;
            for (final OciImage.Layer layer : first.layers())
            {
                // Once, by the mirror: had skopeo fallen back to the registry, it would have served them twice.
                assertEquals(layer.blob().sizeBytes(), registryBlobBytes(layer.blob().digest()));
                layerBytes += layer.blob().sizeBytes();
            }
            for (final OciImage.Layer layer : second.layers())
            {
                assertEquals(layer.blob().sizeBytes(), other.accessLog().stream()
                    .filter(e -> e.method().equals("GET") && e.path().endsWith("/blobs/" + layer.blob().digest()))
                    .mapToLong(AccessLogEntry::bodyBytesSent).sum());
                layerBytes += layer.blob().sizeBytes();
            }
            assertTrue(metric(a.metricsPort(), "starling_bytes_total", "source=\"origin\"") >= layerBytes,
                "the layers did not come through the mirror");
        }
    }

    /** skopeo copy of {@code host/repo:tag} into an OCI layout, with only this registries.conf. */
    private void skopeoCopy(final Path registriesConf, final String image, final Path out) throws Exception
    {
        Files.createDirectories(tmp.resolve("skopeo-tmp"));
        final ProcessBuilder b = new ProcessBuilder(RegistryFixture.DEFAULT_SKOPEO_BINARY.toString(), "--insecure-policy",
            "--registries-conf", registriesConf.toString(), "copy", "--quiet", "--src-no-creds",
            "--src-tls-verify=false", "docker://" + image, "oci:" + out + ":pulled").redirectErrorStream(true);
        b.environment().put("REGISTRY_AUTH_FILE", tmp.resolve("skopeo-auth.json").toString());
        b.environment().put("TMPDIR", tmp.resolve("skopeo-tmp").toString());
        final Process p = b.start();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "skopeo hung");
        assertEquals(0, p.exitValue(), output);
    }

    private static void assertHoldsEveryBlob(final OciImage image, final Path layout) throws IOException
    {
        for (final OciImage.Blob blob : image.blobs())
        {
            final Path copy = layout.resolve("blobs/sha256").resolve(blob.digest().substring("sha256:".length()));
            assertArrayEquals(blob.readBytes(), Files.readAllBytes(copy), blob.digest());
        }
    }

    /** Waits until containerd's ingest holds bytes that stop growing for half a second; returns how many. */
    private static long awaitStableIngest(final Path ingest, final Process ctr) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long last = -1;
        long sinceNs = System.nanoTime();
        while (System.nanoTime() < deadline)
        {
            assertTrue(ctr.isAlive(), "ctr ended before it was interrupted (see ctr-interrupted.log)");
            final long now = ingestedBytes(ingest);
            if (now != last)
            {
                last = now;
                sinceNs = System.nanoTime();
            }
            else if (now > 0 && System.nanoTime() - sinceNs > 500_000_000L)
            {
                return now;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("containerd's ingest did not settle: " + last + " bytes");
    }

    /** Bytes in containerd's ingest directory (partial downloads), 0 when there is none. */
    private static long ingestedBytes(final Path ingest) throws IOException
    {
        if (!Files.isDirectory(ingest))
        {
            return 0;
        }
        long total = 0;
        try (var dirs = Files.list(ingest))
        {
            for (final Path d : (Iterable<Path>)dirs::iterator)
            {
                final Path data = d.resolve("data");
                total += Files.exists(data) ? Files.size(data) : 0;
            }
        }
        return total;
    }
}
