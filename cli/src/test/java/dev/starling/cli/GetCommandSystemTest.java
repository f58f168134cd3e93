package dev.starling.cli;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.testkit.AccessLogEntry;
import dev.starling.dataplane.testkit.FaultyOrigin;
import dev.starling.dataplane.testkit.NginxOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code starling get} as a user runs it: a real process against a real nginx origin.
 */
@Timeout(180)
class GetCommandSystemTest
{
    private static final int PIECE = 1 << 20;

    @TempDir
    Path tmp;

    private NginxOrigin nginx;
    private Path dataDir;

    @BeforeEach
    void setUp() throws Exception
    {
        nginx = NginxOrigin.start(tmp.resolve("nginx"));
        dataDir = tmp.resolve("data");
    }

    @AfterEach
    void tearDown()
    {
        nginx.close();
    }

    private StarlingProcess.Result get(final String url, final Path target, final String... extra) throws Exception
    {
        final List<String> args = new java.util.ArrayList<>(List.of("get", url, "-o", target.toString(),
            "--data-dir", dataDir.toString(), "--progress", "none"));
        args.addAll(List.of(extra));
        return StarlingProcess.run(tmp.resolve("proc"), args.toArray(String[]::new));
    }

    @Test
    void shouldDownloadMultiPieceFileByteExact() throws Exception
    {
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("big.bin"), 9L * PIECE + 17, 1);
        final Path target = tmp.resolve("out/big.bin");
        Files.createDirectories(target.getParent());
        final StarlingProcess.Result r = get(nginx.url("/files/big.bin").toString(), target, "--piece-length", "1m");
        assertEquals(0, r.exitCode(), r.toString());
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(target));
        assertTrue(r.stderr().contains("origin " + (9L * PIECE + 17) + " bytes"), r.stderr());
        assertNoTempFilesIn(target.getParent());
    }

    @Test
    void shouldResumeAfterKill9FetchingOnlyMissingPieces() throws Exception
    {
        nginx.close();
        nginx = NginxOrigin.builder(tmp.resolve("slow")).limitRateBytesPerSec(3L * PIECE).start();
        final long size = 24L * PIECE;
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("r.bin"), size, 2);
        final String url = nginx.url("/files/r.bin").toString();
        final Path target = tmp.resolve("r.bin");
        final int concurrency = 2;
        try (StarlingProcess first = StarlingProcess.start(tmp.resolve("proc"), "get", url, "-o", target.toString(),
            "--data-dir", dataDir.toString(), "--progress", "none", "--piece-length", "1m",
            "--concurrency", String.valueOf(concurrency)))
        {
            nginx.awaitAccessLog(e -> e.path().equals("/files/r.bin") && e.status() == 206 &&
                e.bodyBytesSent() == PIECE, 4, Duration.ofSeconds(60));
            assertTrue(first.isAlive(), "the first download finished before it could be killed");
            first.kill9();
        }
        // nginx logs the requests cut off by the kill once it fails to write to them.
        nginx.awaitAccessLog(e -> e.path().equals("/files/r.bin") && e.bodyBytesSent() < PIECE, 1,
            Duration.ofSeconds(30));
        final long servedBeforeKill = nginx.bodyBytesSentFor("/files/r.bin");
        assertFalse(Files.exists(target), "a killed download must leave nothing at the target");

        final StarlingProcess.Result second = get(url, target, "--piece-length", "1m", "--concurrency",
            String.valueOf(concurrency));
        assertEquals(0, second.exitCode(), second.toString());
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(target));
        final long servedTotal = nginx.bodyBytesSentFor("/files/r.bin");
        assertTrue(servedBeforeKill >= 4L * PIECE);
        assertTrue(servedTotal <= size + (long)concurrency * PIECE,
            "origin served " + servedTotal + " bytes for a " + size + "-byte file; at most one piece per request " +
            "in flight may be served twice");
        assertTrue(second.stderr().contains("reused "), second.stderr());
        assertFalse(second.stderr().contains("reused 0 bytes"), second.stderr());
    }

    @Test
    void shouldRefuseSecondProcessOnSameDataDir() throws Exception
    {
        nginx.close();
        nginx = NginxOrigin.builder(tmp.resolve("slow")).limitRateBytesPerSec(PIECE).start();
        NginxOrigin.writeRandomFile(nginx.filesDir().resolve("l.bin"), 16L * PIECE, 3);
        final String url = nginx.url("/files/l.bin").toString();
        try (StarlingProcess holder = StarlingProcess.start(tmp.resolve("proc"), "get", url, "-o",
            tmp.resolve("l1").toString(), "--data-dir", dataDir.toString(), "--progress", "none"))
        {
            nginx.awaitAccessLog(e -> e.path().equals("/files/l.bin"), 1, Duration.ofSeconds(60));
            final StarlingProcess.Result second = get(url, tmp.resolve("l2"));
            assertEquals(ErrorCode.DATA_DIR_LOCKED.exitCode(), second.exitCode(), second.toString());
            assertTrue(second.stderr().contains("DATA_DIR_LOCKED"), second.stderr());
            assertFalse(Files.exists(tmp.resolve("l2")));
            assertTrue(holder.isAlive(), "the first process must be unaffected");
        }
    }

    @Test
    void shouldExitWithNotFoundFor404() throws Exception
    {
        assertFails(get(nginx.url("/files/none.bin").toString(), tmp.resolve("x")), ErrorCode.ORIGIN_NOT_FOUND,
            tmp.resolve("x"));
    }

    @Test
    void shouldExitWithDeniedFor401AndSucceedWithHeader() throws Exception
    {
        final Path file = NginxOrigin.writeRandomFile(nginx.privateDir().resolve("p.bin"), 3L * PIECE, 4);
        final String url = nginx.url("/private/p.bin").toString();
        assertFails(get(url, tmp.resolve("p")), ErrorCode.ORIGIN_DENIED, tmp.resolve("p"));
        final StarlingProcess.Result ok = get(url, tmp.resolve("p"), "-H",
            "Authorization: " + NginxOrigin.PRIVATE_AUTHORIZATION);
        assertEquals(0, ok.exitCode(), ok.toString());
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(tmp.resolve("p")));
    }

    @Test
    void shouldExitWithUnreachableWhenConnectionRefused() throws Exception
    {
        final int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            port = s.getLocalPort();
        }
        assertFails(get("http://127.0.0.1:" + port + "/x", tmp.resolve("x")), ErrorCode.ORIGIN_UNREACHABLE,
            tmp.resolve("x"));
    }

    @Test
    void shouldCompleteWhenOriginResetsMidPiece() throws Exception
    {
        final byte[] body = Files.readAllBytes(NginxOrigin.writeRandomFile(tmp.resolve("body"), 6L * PIECE, 5));
        try (FaultyOrigin faulty = FaultyOrigin.start(body).resetAfterBytes(2L * PIECE + 4096, 1))
        {
            final StarlingProcess.Result r = get(faulty.url("/f").toString(), tmp.resolve("f"), "--piece-length", "1m");
            assertEquals(0, r.exitCode(), r.toString());
            assertArrayEquals(body, Files.readAllBytes(tmp.resolve("f")));
            assertEquals(1, faulty.resetCount());
        }
    }

    @Test
    void shouldDownloadFromOriginWithoutRangeSupport(@TempDir final Path other) throws Exception
    {
        try (NginxOrigin noRanges = NginxOrigin.builder(other).rangesEnabled(false).start())
        {
            final Path file = NginxOrigin.writeRandomFile(noRanges.filesDir().resolve("n.bin"), 5L * PIECE + 3, 6);
            final StarlingProcess.Result r = get(noRanges.url("/files/n.bin").toString(), tmp.resolve("n"),
                "--piece-length", "1m");
            assertEquals(0, r.exitCode(), r.toString());
            assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(tmp.resolve("n")));
            final List<AccessLogEntry> entries = noRanges.accessLog();
            assertTrue(entries.stream().noneMatch(e -> e.status() == 206), entries.toString());
        }
    }

    @Test
    void shouldFailOnDigestMismatchLeavingNoTarget() throws Exception
    {
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("d.bin"), 2L * PIECE, 7);
        final Path target = tmp.resolve("d.bin");
        Files.writeString(target, "previous content");
        assertFails(get(nginx.url("/files/d.bin").toString(), target, "--digest", "sha256:" + "ab".repeat(32)),
            ErrorCode.DIGEST_MISMATCH, null);
        assertEquals("previous content", Files.readString(target), "a failed download must not touch the target");
        final StarlingProcess.Result ok = get(nginx.url("/files/d.bin").toString(), target, "--digest",
            "sha256:" + NginxOrigin.sha256Hex(file));
        assertEquals(0, ok.exitCode(), ok.toString());
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(target));
    }

    @Test
    void shouldRejectBadUrls() throws Exception
    {
        assertFails(get("not a url", tmp.resolve("x")), ErrorCode.BAD_URL, tmp.resolve("x"));
        assertFails(get("file:///etc/passwd", tmp.resolve("x")), ErrorCode.BAD_URL, tmp.resolve("x"));
        assertFails(get("ftp://127.0.0.1/x", tmp.resolve("x")), ErrorCode.UNSUPPORTED_SCHEME, tmp.resolve("x"));
    }

    @Test
    void shouldNotEscapeTheOriginRootWithTraversalInUrl() throws Exception
    {
        Files.writeString(nginx.filesDir().getParent().getParent().resolve("secret.txt"), "secret");
        for (final String path : List.of("/files/../../secret.txt", "/files/%2e%2e/%2e%2e/secret.txt",
            "/files/..%2f..%2fsecret.txt"))
        {
            final Path target = tmp.resolve("t");
            final StarlingProcess.Result r = get(nginx.url(path).toString(), target);
            assertTrue(r.exitCode() != 0, path + " → " + r);
            assertFalse(Files.exists(target), path);
        }
    }

    @Test
    void shouldRejectBadTargets() throws Exception
    {
        NginxOrigin.writeRandomFile(nginx.filesDir().resolve("t.bin"), PIECE, 8);
        final String url = nginx.url("/files/t.bin").toString();
        Files.createDirectories(tmp.resolve("adir"));
        assertFails(get(url, tmp.resolve("adir")), ErrorCode.BAD_TARGET, null);
        assertFails(get(url, tmp.resolve("missing/dir/t.bin")), ErrorCode.TARGET_NOT_WRITABLE,
            tmp.resolve("missing/dir/t.bin"));
        assertFails(get(url, dataDir.resolve("index/../content/t.bin")), ErrorCode.BAD_TARGET, null);
        final Path link = tmp.resolve("link-to-data");
        Files.createDirectories(dataDir);
        Files.createSymbolicLink(link, dataDir);
        assertFails(get(url, link.resolve("t.bin")), ErrorCode.BAD_TARGET, dataDir.resolve("t.bin"));
        assertFails(get(url, Path.of("/proc/version")), ErrorCode.TARGET_NOT_WRITABLE, null);
    }

    @Test
    void shouldReadEverySettingFromYamlConfig() throws Exception
    {
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("y.bin"), 3L * PIECE, 9);
        final Path yamlDataDir = tmp.resolve("yaml-data");
        final Path config = tmp.resolve("starling.yaml");
        Files.writeString(config, "data-dir: " + yamlDataDir + "\npiece-length: 1m\nconcurrency: 2\n" +
            "header:\n  - 'X-Test: yes'\n");
        final StarlingProcess.Result r = StarlingProcess.run(tmp.resolve("proc"), "get",
            nginx.url("/files/y.bin").toString(), "-o", tmp.resolve("y").toString(), "--config", config.toString(),
            "--progress", "none");
        assertEquals(0, r.exitCode(), r.toString());
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(tmp.resolve("y")));
        assertTrue(Files.exists(yamlDataDir.resolve("starling.lock")), "data-dir from the config file is used");
        final long ranged = nginx.accessLog().stream().filter(e -> e.path().equals("/files/y.bin") &&
            e.status() == 206 && e.bodyBytesSent() == PIECE).count();
        assertEquals(3, ranged, "piece-length from the config file is used");

        Files.writeString(config, "data-dir: " + yamlDataDir + "\npiece-lenght: 1m\n");
        final StarlingProcess.Result bad = StarlingProcess.run(tmp.resolve("proc"), "get",
            nginx.url("/files/y.bin").toString(), "-o", tmp.resolve("y2").toString(), "--config", config.toString());
        assertFails(bad, ErrorCode.BAD_CONFIG, tmp.resolve("y2"));
        assertTrue(bad.stderr().contains("piece-lenght"), bad.stderr());
    }

    @Test
    void shouldFailWithDiskFullLeavingNoTarget() throws Exception
    {
        org.junit.jupiter.api.Assumptions.assumeTrue(isRoot(), "mounting a small tmpfs needs root (CI runs as root)");
        final Path mount = tmp.resolve("small");
        Files.createDirectories(mount);
        exec("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount.toString());
        try
        {
            NginxOrigin.writeRandomFile(nginx.filesDir().resolve("full.bin"), 40L * PIECE, 10);
            final Path target = tmp.resolve("full.bin");
            final StarlingProcess.Result r = StarlingProcess.run(tmp.resolve("proc"), "get",
                nginx.url("/files/full.bin").toString(), "-o", target.toString(), "--data-dir",
                mount.resolve("data").toString(), "--progress", "none", "--quota", "1g", "--index-max-tasks", "1024");
            assertFails(r, ErrorCode.DISK_FULL, target);
        }
        finally
        {
            exec("umount", mount.toString());
        }
    }

    private static boolean isRoot() throws Exception
    {
        return "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim());
    }

    private static void exec(final String... cmd) throws Exception
    {
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    private static void assertFails(final StarlingProcess.Result r, final ErrorCode code, final Path mustNotExist)
    {
        assertEquals(code.exitCode(), r.exitCode(), r.toString());
        assertTrue(r.stderr().contains(code.name()), r.stderr());
        if (mustNotExist != null)
        {
            assertFalse(Files.exists(mustNotExist), mustNotExist + " must not exist");
        }
    }

    private static void assertNoTempFilesIn(final Path dir) throws Exception
    {
        try (Stream<Path> s = Files.list(dir))
        {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".starling-")), "temp files left in " + dir);
        }
    }
}
