package dev.starling.cli;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.modelproxy.RepoType;
import dev.starling.modelproxy.testkit.HubContent;
import dev.starling.modelproxy.testkit.HubFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code starling get hf://…} and {@code modelscope://…} as a user runs them: real processes against the hub fixture,
 * embedded and through a daemon's control endpoint.
 */
@Timeout(180)
class HubGetSystemTest
{
    private static final String REPO = "acme/tiny-model";
    private static final Set<String> LFS = Set.of("weights/model-00001.safetensors", "weights/copy.safetensors",
        "weights/nested/deep/extra.bin");

    @TempDir
    Path tmp;

    private HubFixture hub;
    private Map<String, byte[]> files;
    private String commit;
    private Path dataDir;
    private final List<StarlingProcess> processes = new ArrayList<>();

    @BeforeEach
    void setUp()
    {
        hub = HubFixture.start();
        final byte[] weights = HubContent.random(300_000, 1);
        files = new TreeMap<>(Map.of(
            "config.json", "{\"model_type\":\"tiny\"}".getBytes(StandardCharsets.UTF_8),
            "README.md", "# tiny\n".getBytes(StandardCharsets.UTF_8),
            "tokenizer/tokenizer.json", HubContent.random(50_000, 2),
            "weights/model-00001.safetensors", weights,
            "weights/copy.safetensors", weights,
            "weights/nested/deep/extra.bin", HubContent.random(100_000, 3)));
        commit = hub.addRepo(RepoType.MODEL, REPO, "main", files, LFS);
        dataDir = tmp.resolve("data");
    }

    @AfterEach
    void tearDown() throws Exception
    {
        for (final StarlingProcess p : processes)
        {
            p.close();
        }
        hub.close();
    }

    private StarlingProcess.Result get(final String url, final String... extra) throws Exception
    {
        final List<String> args = new ArrayList<>(List.of("get", url, "--data-dir", dataDir.toString(),
            "--progress", "none", "--hf-upstream", hub.url(), "--modelscope-upstream", hub.url()));
        args.addAll(List.of(extra));
        return StarlingProcess.run(tmp.resolve("proc"), args.toArray(String[]::new));
    }

    @Test
    void shouldDownloadRepoByteExactIntoPlainDirWithSubdirectoriesAndRerunIdempotently() throws Exception
    {
        final Path out = tmp.resolve("out");
        final StarlingProcess.Result r = get("hf://" + REPO, "-o", out.toString(), "--parallel", "3");
        assertEquals(0, r.exitCode(), r.toString());
        assertTreeEquals(files, out);
        assertTrue(r.stderr().contains("6 files"), r.stderr());
        assertTrue(r.stderr().contains("hf://" + REPO + "@" + commit), r.stderr());
        // The two paths with the same LFS object are one task: its bytes come from the hub once.
        final long copyBytes = hub.contentBytesServed(REPO, "weights/model-00001.safetensors") +
            hub.contentBytesServed(REPO, "weights/copy.safetensors");
        assertTrue(copyBytes <= 300_000 + 2, "served " + copyBytes);
        assertNoTempFiles(out);

        final long servedBefore = hub.totalContentBytesServed();
        final StarlingProcess.Result again = get("hf://" + REPO, "-o", out.toString());
        assertEquals(0, again.exitCode(), again.toString());
        assertTreeEquals(files, out);
        assertTrue(hub.totalContentBytesServed() - servedBefore <= files.size(),
            "a re-run takes the files from the store: " + (hub.totalContentBytesServed() - servedBefore));
    }

    @Test
    void shouldWriteHfCacheLayoutWithRelativeSymlinksRefsAndBlobsNamedByEtag() throws Exception
    {
        final Path cache = tmp.resolve("hf-home/hub");
        for (int run = 0; run < 2; run++)
        {
            final StarlingProcess.Result r = get("hf://" + REPO, "--hf-cache", cache.toString());
            assertEquals(0, r.exitCode(), r.toString());
        }
        final Path repoDir = cache.resolve("models--acme--tiny-model");
        assertEquals(commit, Files.readString(repoDir.resolve("refs/main")));
        final Path snapshot = repoDir.resolve("snapshots").resolve(commit);
        assertTreeEquals(files, snapshot);
        final Path deep = snapshot.resolve("weights/nested/deep/extra.bin");
        assertTrue(Files.isSymbolicLink(deep));
        assertEquals("../../../../../blobs/" + HubContent.sha256(files.get("weights/nested/deep/extra.bin")),
            Files.readSymbolicLink(deep).toString());
        assertEquals("../../blobs/" + HubContent.gitBlobSha1(files.get("config.json")),
            Files.readSymbolicLink(snapshot.resolve("config.json")).toString());
        try (Stream<Path> blobs = Files.list(repoDir.resolve("blobs")))
        {
            assertEquals(5, blobs.count(), "one blob per distinct etag");
        }
    }

    @Test
    void shouldSelectFilesByPathIncludeAndExclude() throws Exception
    {
        final Path a = tmp.resolve("a");
        final StarlingProcess.Result byGlob = get("hf://" + REPO, "-o", a.toString(), "--include", "*.safetensors",
            "--include", "*.json", "--exclude", "copy.*");
        assertEquals(0, byGlob.exitCode(), byGlob.toString());
        assertEquals(Set.of("config.json", "tokenizer/tokenizer.json", "weights/model-00001.safetensors"),
            Set.copyOf(relativeFiles(a)));

        final Path b = tmp.resolve("b");
        final StarlingProcess.Result byPath = get("hf://" + REPO + "@main/weights/nested", "-o", b.toString());
        assertEquals(0, byPath.exitCode(), byPath.toString());
        assertEquals(List.of("weights/nested/deep/extra.bin"), relativeFiles(b));

        final StarlingProcess.Result badGlob = get("hf://" + REPO, "-o", tmp.resolve("c").toString(),
            "--include", "[unclosed");
        assertEquals(ErrorCode.BAD_CONFIG.exitCode(), badGlob.exitCode(), badGlob.toString());
    }

    @Test
    void shouldRefuseGatedRepoWithoutTokenWritingNothingAndDownloadWithToken() throws Exception
    {
        hub.gate(REPO, "hf_let_me_in");
        final Path out = tmp.resolve("gated");
        final StarlingProcess.Result denied = get("hf://" + REPO, "-o", out.toString());
        assertEquals(ErrorCode.ORIGIN_DENIED.exitCode(), denied.exitCode(), denied.toString());
        assertTrue(denied.stderr().contains("ORIGIN_DENIED") && denied.stderr().contains("--token"), denied.stderr());
        assertFalse(Files.exists(out));

        final StarlingProcess.Result ok = get("hf://" + REPO, "-o", out.toString(), "--token", "hf_let_me_in");
        assertEquals(0, ok.exitCode(), ok.toString());
        assertTreeEquals(files, out);
        assertFalse(ok.stderr().contains("hf_let_me_in") || ok.stdout().contains("hf_let_me_in"));
    }

    @Test
    void shouldDownloadModelScopeRepoAtDefaultRevision() throws Exception
    {
        final Map<String, byte[]> ms = Map.of("configuration.json", "{}".getBytes(StandardCharsets.UTF_8),
            "sub/model.bin", HubContent.random(120_000, 4));
        hub.addRepo(RepoType.MODEL, "qwen/tiny", "master", ms, Set.of("sub/model.bin"));
        final Path out = tmp.resolve("ms");
        final StarlingProcess.Result r = get("modelscope://qwen/tiny", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTreeEquals(ms, out);
        assertEquals(1, hub.contentGets("qwen/tiny", "configuration.json"), hub.requestLog().toString());
    }

    @Test
    void shouldRefuseListingWithUnsafePathWritingNothing() throws Exception
    {
        hub.injectListedPath(REPO, "../escape.txt");
        final Path out = tmp.resolve("box/out");
        final StarlingProcess.Result r = get("hf://" + REPO, "-o", out.toString());
        assertEquals(ErrorCode.BAD_TARGET.exitCode(), r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("../escape.txt"), r.stderr());
        assertFalse(Files.exists(tmp.resolve("box/escape.txt")));
        assertFalse(Files.exists(out));
        assertEquals(0, hub.totalContentBytesServed());
    }

    @Test
    void shouldLeaveNothingAtTheTargetWhenAFileOutsideLfsDoesNotMatchItsGitBlobId() throws Exception
    {
        final byte[] config = files.get("config.json").clone();
        config[0] ^= 1;
        hub.tamper(REPO, "config.json", config);
        final Path out = tmp.resolve("out");
        final StarlingProcess.Result r = get("hf://" + REPO + "/config.json", "-o", out.toString());
        assertEquals(ErrorCode.DIGEST_MISMATCH.exitCode(), r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("git blob id"), r.stderr());
        assertFalse(Files.exists(out.resolve("config.json")), "a bad copy must never be visible at the target");
        assertNoTempFiles(out);
    }

    @Test
    void shouldDownloadThroughRunningDaemonAndTakeUpstreamFromConfigFile() throws Exception
    {
        final StarlingProcess daemon = StarlingProcess.start(tmp.resolve("proc-daemon"), "daemon", "--data-dir",
            dataDir.toString(), "--piece-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
            "--mirror-listen", "127.0.0.1:0");
        processes.add(daemon);
        daemon.awaitStdoutLine("ready", 60);
        final Path config = tmp.resolve("get.yaml");
        Files.writeString(config, "hf-upstream: " + hub.url() + "\n");
        final Path out = tmp.resolve("via-daemon");
        final StarlingProcess.Result r = StarlingProcess.run(tmp.resolve("proc"), "get", "hf://" + REPO, "-o",
            out.toString(), "--data-dir", dataDir.toString(), "--progress", "none", "--config", config.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTreeEquals(files, out);
        assertTrue(daemon.isAlive());
    }

    @Test
    void shouldRejectBadRepoIdAndHubOnlyFlagsOnHttpUrls() throws Exception
    {
        final StarlingProcess.Result bad = get("hf://acme/../etc", "-o", tmp.resolve("x").toString());
        assertEquals(ErrorCode.BAD_URL.exitCode(), bad.exitCode(), bad.toString());
        final StarlingProcess.Result missing = get("hf://acme/none", "-o", tmp.resolve("y").toString());
        assertEquals(ErrorCode.ORIGIN_NOT_FOUND.exitCode(), missing.exitCode(), missing.toString());
        assertTrue(hub.requestLog().stream().noneMatch(l -> l.contains("etc")));
    }

    private static void assertTreeEquals(final Map<String, byte[]> expected, final Path dir) throws Exception
    {
        assertEquals(new TreeMap<>(expected).keySet().stream().toList(), relativeFiles(dir));
        for (final Map.Entry<String, byte[]> e : expected.entrySet())
        {
            assertArrayEquals(e.getValue(), Files.readAllBytes(dir.resolve(e.getKey())), e.getKey());
        }
    }

    private static List<String> relativeFiles(final Path dir) throws Exception
    {
        try (Stream<Path> walk = Files.walk(dir))
        {
            return walk.filter(p -> Files.isRegularFile(p)).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                .sorted().toList();
        }
    }

    private static void assertNoTempFiles(final Path dir) throws Exception
    {
        try (Stream<Path> walk = Files.walk(dir))
        {
            assertTrue(walk.noneMatch(p -> p.getFileName().toString().startsWith(".")), "temporary files left");
        }
    }
}
