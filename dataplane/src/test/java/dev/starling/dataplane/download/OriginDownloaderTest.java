package dev.starling.dataplane.download;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.source.SourceBackends;
import dev.starling.dataplane.source.SourceRequest;
import dev.starling.dataplane.source.http.HttpSourceBackend;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.TaskId;
import dev.starling.dataplane.testkit.AccessLogEntry;
import dev.starling.dataplane.testkit.FaultyOrigin;
import dev.starling.dataplane.testkit.NginxOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class OriginDownloaderTest
{
    private static final int PIECE = 64 * 1024;

    @TempDir
    Path tmp;

    private NginxOrigin nginx;
    private PieceStore store;
    private SourceBackends backends;
    private DataplaneContext ctx;

    @BeforeEach
    void setUp() throws Exception
    {
        nginx = NginxOrigin.start(tmp.resolve("nginx"));
        ctx = new DataplaneContext().dataDir(tmp.resolve("data")).quotaBytes(1L << 30).indexMaxTasks(1024)
            .pieceLengthBytes(PIECE).sourceConcurrency(4).readTimeoutMs(5000).conclude();
        store = PieceStore.open(ctx);
        backends = new SourceBackends().register(new HttpSourceBackend(ctx, 2));
    }

    @AfterEach
    void tearDown()
    {
        backends.close();
        store.close();
        nginx.close();
    }

    private DownloadResult download(final URI url, final Digest digest, final List<Map.Entry<String, String>> headers)
    {
        final TaskId id = digest != null ? TaskId.ofDigest(digest) : TaskId.ofUrl(url.toString(), null, null);
        return new OriginDownloader(ctx, store, backends)
            .download(new DownloadRequest(new SourceRequest(url, headers, null), id, digest), DownloadListener.NONE);
    }

    private static byte[] contentOf(final TaskHandle handle) throws Exception
    {
        return Files.readAllBytes(handle.contentPath());
    }

    @Test
    void shouldDownloadManyPiecesByteExactWithRangedRequests() throws Exception
    {
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("a.bin"), 10 * PIECE + 123, 1);
        try (TaskHandle h = download(nginx.url("/files/a.bin"), null, List.of()).handle())
        {
            assertTrue(h.isComplete());
            assertEquals(11, h.layout().pieceCount());
            assertArrayEquals(Files.readAllBytes(file), contentOf(h));
            assertEquals(dev.starling.dataplane.task.PieceDigest.SHA256, h.pieceDigest(),
                "a task named by URL has no end-to-end digest: its pieces are SHA-256 by default");
        }
        final List<AccessLogEntry> gets = nginx.awaitAccessLog(e -> e.method().equals("GET") && e.status() == 206,
            11, java.time.Duration.ofSeconds(10));
        assertEquals(10L * PIECE + 123, gets.stream().mapToLong(AccessLogEntry::bodyBytesSent).sum());
    }

    @Test
    void shouldRecordCrc32cPieceDigestsWhenConfigured() throws Exception
    {
        backends.close();
        store.close();
        ctx = new DataplaneContext().dataDir(tmp.resolve("crc")).quotaBytes(1L << 30).indexMaxTasks(1024)
            .pieceLengthBytes(PIECE).pieceDigest(dev.starling.dataplane.task.PieceDigestPolicy.CRC32C).conclude();
        store = PieceStore.open(ctx);
        backends = new SourceBackends().register(new HttpSourceBackend(ctx, 2));
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("crc.bin"), 3 * PIECE + 5, 13);
        final byte[] content = Files.readAllBytes(file);
        try (TaskHandle h = download(nginx.url("/files/crc.bin"), null, List.of()).handle())
        {
            assertEquals(dev.starling.dataplane.task.PieceDigest.CRC32C, h.pieceDigest());
            for (int p = 0; p < h.layout().pieceCount(); p++)
            {
                final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                crc.update(content, (int)h.layout().pieceOffset(p), h.layout().pieceLength(p));
                final byte[] expected = new byte[32];
                java.nio.ByteBuffer.wrap(expected).putInt((int)crc.getValue());
                final byte[] actual = new byte[32];
                h.pieceDigest(p, actual, 0);
                assertArrayEquals(expected, actual, "piece " + p);
            }
        }
    }

    @Test
    void shouldVerifyWholeDigestAndNameTaskByIt() throws Exception
    {
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("d.bin"), 5 * PIECE, 2);
        final Digest digest = Digest.parse("sha256:" + NginxOrigin.sha256Hex(file));
        try (TaskHandle h = download(nginx.url("/files/d.bin"), digest, List.of()).handle())
        {
            assertEquals(digest, h.contentDigest());
            assertEquals(TaskId.ofDigest(digest), h.id());
            assertEquals(dev.starling.dataplane.task.PieceDigest.CRC32C, h.pieceDigest(),
                "a content-addressed task is checked end to end: its pieces are CRC32C by default");
        }
    }

    @Test
    void shouldFailWithDigestMismatchAndKeepNothingComplete() throws Exception
    {
        NginxOrigin.writeRandomFile(nginx.filesDir().resolve("m.bin"), 3 * PIECE, 3);
        final Digest wrong = Digest.of(new byte[32]);
        final StarlingException ex = assertThrows(StarlingException.class,
            () -> download(nginx.url("/files/m.bin"), wrong, List.of()));
        assertEquals(ErrorCode.DIGEST_MISMATCH, ex.code());
        try (TaskHandle h = store.openExisting(TaskId.ofDigest(wrong)))
        {
            assertFalse(h.isComplete());
            assertEquals(0, h.finishedCount());
        }
    }

    @Test
    void shouldFetchNothingAgainWhenTaskIsComplete() throws Exception
    {
        NginxOrigin.writeRandomFile(nginx.filesDir().resolve("c.bin"), 4 * PIECE, 4);
        download(nginx.url("/files/c.bin"), null, List.of()).handle().close();
        final DownloadResult again = download(nginx.url("/files/c.bin"), null, List.of());
        again.handle().close();
        assertEquals(0, again.bytesFromOrigin());
        assertEquals(4L * PIECE, again.bytesReused());
    }

    @Test
    void shouldRefetchWhenOriginContentChanged() throws Exception
    {
        final Path file = nginx.filesDir().resolve("ch.bin");
        NginxOrigin.writeRandomFile(file, 4 * PIECE, 5);
        download(nginx.url("/files/ch.bin"), null, List.of()).handle().close();
        NginxOrigin.writeRandomFile(file, 4 * PIECE, 6);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        try (TaskHandle h = download(nginx.url("/files/ch.bin"), null, List.of()).handle())
        {
            assertArrayEquals(Files.readAllBytes(file), contentOf(h));
        }
    }

    @Test
    void shouldFollowRedirects() throws Exception
    {
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("r.bin"), 3 * PIECE + 7, 7);
        try (TaskHandle h = download(nginx.url("/redirect/r.bin"), null, List.of()).handle())
        {
            assertArrayEquals(Files.readAllBytes(file), contentOf(h));
        }
    }

    @Test
    void shouldPassCallerHeadersToTheOrigin() throws Exception
    {
        final Path file = NginxOrigin.writeRandomFile(nginx.privateDir().resolve("p.bin"), 2 * PIECE, 8);
        final StarlingException denied = assertThrows(StarlingException.class,
            () -> download(nginx.url("/private/p.bin"), null, List.of()));
        assertEquals(ErrorCode.ORIGIN_DENIED, denied.code());
        final Map.Entry<String, String> auth =
            new AbstractMap.SimpleImmutableEntry<>("Authorization", NginxOrigin.PRIVATE_AUTHORIZATION);
        try (TaskHandle h = download(nginx.url("/private/p.bin"), null, List.of(auth)).handle())
        {
            assertArrayEquals(Files.readAllBytes(file), contentOf(h));
        }
    }

    @Test
    void shouldReportNotFound()
    {
        final StarlingException ex = assertThrows(StarlingException.class,
            () -> download(nginx.url("/files/missing.bin"), null, List.of()));
        assertEquals(ErrorCode.ORIGIN_NOT_FOUND, ex.code());
    }

    @Test
    void shouldDownloadEmptyContent() throws Exception
    {
        Files.write(nginx.filesDir().resolve("empty"), new byte[0]);
        try (TaskHandle h = download(nginx.url("/files/empty"), null, List.of()).handle())
        {
            assertTrue(h.isComplete());
            assertEquals(0, Files.size(h.contentPath()));
        }
    }

    @Test
    void shouldCutPiecesFromOneStreamWhenOriginIgnoresRanges(@TempDir final Path other) throws Exception
    {
        try (NginxOrigin noRanges = NginxOrigin.builder(other).rangesEnabled(false).start())
        {
            final Path file = NginxOrigin.writeRandomFile(noRanges.filesDir().resolve("s.bin"), 6 * PIECE + 99, 9);
            try (TaskHandle h = download(noRanges.url("/files/s.bin"), null, List.of()).handle())
            {
                assertEquals(7, h.finishedCount());
                assertArrayEquals(Files.readAllBytes(file), contentOf(h));
            }
            final List<AccessLogEntry> gets = noRanges.awaitAccessLog(e -> e.method().equals("GET") &&
                e.path().equals("/files/s.bin") && e.status() == 200, 1, java.time.Duration.ofSeconds(10));
            assertEquals(6L * PIECE + 99, gets.stream().mapToLong(AccessLogEntry::bodyBytesSent).max().orElse(0));
        }
    }

    @Test
    void shouldStageContentOfUnknownLength() throws Exception
    {
        final Path file = NginxOrigin.writeRandomFile(nginx.filesDir().resolve("u.bin"), 5 * PIECE + 1, 10);
        try (TaskHandle h = download(nginx.url("/chunked/u.bin"), null, List.of()).handle())
        {
            assertTrue(h.isComplete());
            assertEquals(6, h.layout().pieceCount());
            assertArrayEquals(Files.readAllBytes(file), contentOf(h));
        }
    }

    @Test
    void shouldRetryPieceWhenOriginResetsMidPiece() throws Exception
    {
        final byte[] body = random(8 * PIECE, 11);
        try (FaultyOrigin faulty = FaultyOrigin.start(body).resetAfterBytes(3L * PIECE + 1000, 2))
        {
            try (TaskHandle h = download(faulty.url("/f.bin"), null, List.of()).handle())
            {
                assertArrayEquals(body, contentOf(h));
            }
            assertEquals(2, faulty.resetCount());
        }
    }

    @Test
    void shouldFailWithTransferErrorWhenResetsOutlastAttempts() throws Exception
    {
        final byte[] body = random(4 * PIECE, 12);
        try (FaultyOrigin faulty = FaultyOrigin.start(body).resetAfterBytes(PIECE + 10, 100))
        {
            final URI url = faulty.url("/f.bin");
            final StarlingException ex = assertThrows(StarlingException.class, () -> download(url, null, List.of()));
            assertEquals(ErrorCode.ORIGIN_TRANSFER, ex.code());
            try (TaskHandle h = store.openExisting(TaskId.ofUrl(url.toString(), null, null)))
            {
                assertFalse(h.isComplete());
                assertFalse(h.isPieceFinished(1));
                assertEquals(3, h.finishedCount());
            }
        }
    }

    @Test
    void shouldReportUnreachableOrigin() throws Exception
    {
        final int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            port = s.getLocalPort();
        }
        final StarlingException ex = assertThrows(StarlingException.class,
            () -> download(URI.create("http://127.0.0.1:" + port + "/x"), null, List.of()));
        assertEquals(ErrorCode.ORIGIN_UNREACHABLE, ex.code());
    }

    private static byte[] random(final int length, final long seed)
    {
        final byte[] b = new byte[length];
        final SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < length; i++)
        {
            b[i] = (byte)r.nextInt();
        }
        return b;
    }
}
