package dev.starling.cli;

import dev.starling.modelproxy.RepoType;
import dev.starling.modelproxy.testkit.HubContent;
import dev.starling.modelproxy.testkit.HubFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.starling.cli.ScrapedMetrics.metric;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official Hugging Face clients through the hub endpoint of two daemons in a swarm: the JS client
 * ({@code @huggingface/hub}, installed from npm by run-tests) and, where run-tests could install it, the Python
 * client ({@code huggingface_hub}). Each downloads a repository snapshot through daemon A, then again through daemon
 * B: every file byte-exact in a valid Hugging Face cache layout, the hub (a fixture standing in for huggingface.co,
 * which cannot be reached here) serving each file's bytes once, B's bytes coming from A.
 */
@Timeout(300)
class HubClientsSystemTest
{
    private static final Pattern READY = Pattern.compile(
        "pieces on .*?:(\\d+)(?:\\)|,).*metrics on port (\\d+),.*model hub on 127\\.0\\.0\\.1:(\\d+)");
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path CLIENTS = ROOT.resolve("model-proxy/src/test/clients");
    private static final Path PYTHON = ROOT.resolve(".cache/hf-venv/bin/python");
    private static final String REPO = "acme/tiny-llm";
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    private HubFixture hub;
    private final List<StarlingProcess> processes = new ArrayList<>();
    private int schedulerPort;
    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private String commit;

    @AfterEach
    void tearDown() throws Exception
    {
        for (final StarlingProcess p : processes)
        {
            p.close();
        }
        if (hub != null)
        {
            hub.close();
        }
    }

    private record Node(int metricsPort, int hubPort)
    {
    }

    @Test
    void shouldDownloadSnapshotWithTheJsClientThroughTwoDaemonsFetchingFromTheHubOnce() throws Exception
    {
        final Path node = Path.of("/usr/bin/node");
        assertTrue(Files.isExecutable(node), "node is needed (installed with the machine)");
        assertTrue(Files.isDirectory(CLIENTS.resolve("node_modules/@huggingface/hub")),
            "run-tests installs @huggingface/hub with npm ci in " + CLIENTS);
        swarm();
        final Node a = daemon("a");
        final Node b = daemon("b");
        for (final Node n : List.of(a, b))
        {
            final Path cache = tmp.resolve("js-cache-" + n.hubPort());
            final String out = run(List.of(node.toString(), CLIENTS.resolve("hf-js-snapshot.mjs").toString(),
                "http://127.0.0.1:" + n.hubPort(), REPO, "main", cache.toString()), Map.of());
            assertValidCache(cache, lastLine(out));
        }
        assertHubServedEveryFileOnce();
        assertTrue(metric(b.metricsPort(), "starling_bytes_total", "source=\"peer\"") >= 6 * MIB,
            "daemon B's bytes must come from daemon A");
        assertEquals(0.0, metric(b.metricsPort(), "starling_bytes_total", "source=\"origin\""));
    }

    @Test
    void shouldDownloadSnapshotWithThePythonClientThroughTwoDaemonsFetchingFromTheHubOnce() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "huggingface_hub is not installed in " + PYTHON +
            " (run-tests installs it into a venv when the machine's pip index has it): the Python client is not tested");
        swarm();
        final Node a = daemon("a");
        final Node b = daemon("b");
        for (final Node n : List.of(a, b))
        {
            final Path cache = tmp.resolve("py-cache-" + n.hubPort());
            final String out = run(List.of(PYTHON.toString(), CLIENTS.resolve("hf-py-snapshot.py").toString(), REPO,
                "main", cache.toString()), Map.of("HF_ENDPOINT", "http://127.0.0.1:" + n.hubPort(),
                "HF_HUB_DISABLE_TELEMETRY", "1", "HF_HUB_ETAG_TIMEOUT", "30", "HF_HUB_DOWNLOAD_TIMEOUT", "60"));
            assertValidCache(cache, lastLine(out));
        }
        assertHubServedEveryFileOnce();
        assertTrue(metric(b.metricsPort(), "starling_bytes_total", "source=\"peer\"") >= 6 * MIB,
            "daemon B's bytes must come from daemon A");
    }

    @Test
    void shouldWriteACacheThePythonClientLoadsOffline() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "huggingface_hub is not installed in " + PYTHON +
            " (run-tests installs it into a venv when the machine's pip index has it): the offline load is not tested");
        swarm();
        final Path cache = tmp.resolve("get-cache");
        final StarlingProcess.Result get = StarlingProcess.run(tmp.resolve("proc-get"), "get", "hf://" + REPO,
            "--hf-cache=" + cache, "--hf-upstream", hub.url(), "--data-dir", tmp.resolve("get-data").toString(),
            "--progress", "none");
        assertEquals(0, get.exitCode(), get.toString());
        hub.close();
        hub = null;
        // With the hub gone and HF_HUB_OFFLINE set, the client must find every file in the cache starling wrote.
        final String out = run(List.of(PYTHON.toString(), CLIENTS.resolve("hf-py-snapshot.py").toString(), REPO,
            "main", cache.toString()), Map.of("HF_HUB_OFFLINE", "1", "HF_ENDPOINT", "http://127.0.0.1:9"));
        assertValidCache(cache, lastLine(out));
    }

    /** The fixture hub with one repository, a scheduler, and nothing else yet. */
    private void swarm() throws Exception
    {
        hub = HubFixture.start();
        files.put("config.json", "{\"model_type\":\"llama\",\"hidden_size\":64}".getBytes(StandardCharsets.UTF_8));
        files.put("README.md", "# tiny\n".getBytes(StandardCharsets.UTF_8));
        files.put("model-00001-of-00002.safetensors", HubContent.random(4 * MIB + 123, 11));
        files.put("model-00002-of-00002.safetensors", HubContent.random(2 * MIB + 5, 12));
        files.put("tokenizer/tokenizer.json", HubContent.random(300_000, 13));
        commit = hub.addRepo(RepoType.MODEL, REPO, "main", files,
            Set.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"));
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            schedulerPort = s.getLocalPort();
        }
        final StarlingProcess p = StarlingProcess.start(tmp.resolve("proc-scheduler"), "scheduler",
            "--listen", "127.0.0.1:" + schedulerPort, "--aeron-dir", tmp.resolve("aeron-scheduler").toString(),
            "--peer-timeout", "3s");
        processes.add(p);
        p.awaitStdoutLine("ready", 60);
    }

    private Node daemon(final String name) throws Exception
    {
        final StarlingProcess p = StarlingProcess.start(tmp.resolve("proc-" + name), "daemon",
            "--data-dir", tmp.resolve(name).toString(), "--piece-listen", "127.0.0.1:0", "--metrics-listen",
            "127.0.0.1:0", "--mirror-listen", "none", "--hub-listen", "127.0.0.1:0", "--hf-upstream", hub.url(),
            "--scheduler", "127.0.0.1:" + schedulerPort, "--advertise-address", "127.0.0.1",
            "--aeron-dir", tmp.resolve("aeron-" + name).toString(), "--aeron-liveness-ms", "1500",
            "--piece-length", "1m");
        processes.add(p);
        final String line = p.awaitStdoutLine("ready", 60);
        final Matcher m = READY.matcher(line);
        assertTrue(m.find(), line);
        return new Node(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    private String run(final List<String> command, final Map<String, String> env) throws Exception
    {
        final Path out = Files.createTempFile(tmp, "client-", ".out");
        final ProcessBuilder pb = new ProcessBuilder(command).directory(CLIENTS.toFile()).redirectErrorStream(true)
            .redirectOutput(out.toFile());
        pb.environment().putAll(env);
        pb.environment().put("HOME", tmp.toString());
        final Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS))
        {
            p.destroyForcibly().waitFor();
            throw new AssertionError("client did not finish: " + Files.readString(out));
        }
        final String text = Files.readString(out);
        assertEquals(0, p.exitValue(), text + (hub == null ? "" : "\nhub requests: " + hub.requestLog()));
        return text;
    }

    /** The clients print their progress, then the snapshot directory. */
    private static Path lastLine(final String out)
    {
        final String[] lines = out.trim().split("\n");
        return Path.of(lines[lines.length - 1].trim());
    }

    /** {@code models--ORG--REPO/{blobs,refs,snapshots}}: each file a symlink into blobs, named by its etag. */
    private void assertValidCache(final Path cache, final Path snapshot) throws Exception
    {
        final Path repoDir = cache.resolve("models--acme--tiny-llm");
        assertEquals(repoDir.resolve("snapshots").resolve(commit), snapshot.toAbsolutePath().normalize());
        assertEquals(commit, Files.readString(repoDir.resolve("refs/main")).trim());
        for (final Map.Entry<String, byte[]> f : files.entrySet())
        {
            final Path link = snapshot.resolve(f.getKey());
            assertTrue(Files.isSymbolicLink(link), link + " is not a symlink into blobs");
            final Path blob = link.toRealPath();
            assertEquals(repoDir.resolve("blobs").toRealPath(), blob.getParent());
            final String name = blob.getFileName().toString();
            final boolean lfs = f.getKey().endsWith(".safetensors");
            assertEquals(lfs ? HubContent.sha256(f.getValue()) : HubContent.gitBlobSha1(f.getValue()), name, f.getKey());
            assertArrayEquals(f.getValue(), Files.readAllBytes(link), f.getKey());
        }
    }

    private void assertHubServedEveryFileOnce()
    {
        for (final Map.Entry<String, byte[]> f : files.entrySet())
        {
            // A client's one-byte probe (Range: bytes=0-0) may reach the hub as well: at most one byte more.
            final long served = hub.contentBytesServed(REPO, f.getKey());
            assertTrue(served >= f.getValue().length && served <= f.getValue().length + 1,
                f.getKey() + ": the hub served " + served + " bytes of " + f.getValue().length);
        }
    }
}
