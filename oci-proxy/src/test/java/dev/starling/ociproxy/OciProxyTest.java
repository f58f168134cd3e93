package dev.starling.ociproxy;

import dev.starling.dataplane.testkit.TestNode;
import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.download.DownloadRequest;
import dev.starling.dataplane.download.DownloadResult;
import dev.starling.dataplane.download.OriginDownloader;
import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.node.NodeServices;
import dev.starling.dataplane.source.SourceBackends;
import dev.starling.dataplane.source.http.HttpSourceBackend;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.testkit.AccessLogEntry;
import dev.starling.dataplane.testkit.NginxOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mirror against a real HTTP upstream: nginx serving a registry's paths as static files (blobs, manifests, a
 * repository that needs a Bearer token). The node behind the mirror is a real store with the origin downloader.
 * The containerd, skopeo and docker-registry tests come with the registry fixture.
 */
@Timeout(60)
class OciProxyTest
{
    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    private NginxOrigin nginx;
    private TestNode node;
    private OciProxy proxy;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void setUp() throws Exception
    {
        nginx = NginxOrigin.start(tmp.resolve("nginx"));
        node = new TestNode(new DataplaneContext().dataDir(tmp.resolve("data")).indexMaxTasks(1024)
            .pieceLengthBytes(MIB).conclude());
        proxy = OciProxy.start(new OciProxyContext().mirrorListen("127.0.0.1:0")
            .registryDefault("127.0.0.1:" + nginx.port()).registryInsecure("127.0.0.1:" + nginx.port()).conclude(),
            node, 1);
    }

    @AfterEach
    void tearDown()
    {
        proxy.close();
        node.close();
        nginx.close();
    }

    /** Writes a blob file named by its sha256 under a repository; returns its digest. */
    private String blob(final String repo, final long size, final long seed) throws IOException
    {
        final Path staged = NginxOrigin.writeRandomFile(tmp.resolve("staged-" + seed), size, seed);
        final String digest = "sha256:" + NginxOrigin.sha256Hex(staged);
        final Path target = nginx.registryDir().resolve(repo).resolve("blobs").resolve(digest);
        Files.createDirectories(target.getParent());
        Files.move(staged, target);
        return digest;
    }

    private URI mirror(final String path)
    {
        return URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + path);
    }

    private HttpResponse<byte[]> get(final String path, final String... headers) throws Exception
    {
        final HttpRequest.Builder b = HttpRequest.newBuilder(mirror(path)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2)
        {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private long blobBytesFromUpstream(final String digest)
    {
        return nginx.accessLog().stream().filter(e -> e.path().endsWith(digest) && e.method().equals("GET"))
            .mapToLong(AccessLogEntry::bodyBytesSent).sum();
    }

    @Test
    void shouldStreamABlobFromItsTaskAndServeItAgainFromTheStore() throws Exception
    {
        final String digest = blob("team/app", 5L * MIB + 77, 1);
        final byte[] expected = Files.readAllBytes(nginx.registryDir().resolve("team/app/blobs").resolve(digest));

        final HttpResponse<byte[]> first = get("/v2/team/app/blobs/" + digest);
        assertEquals(200, first.statusCode());
        assertArrayEquals(expected, first.body());
        assertEquals(digest, first.headers().firstValue("Docker-Content-Digest").orElse(""));
        final HttpResponse<byte[]> second = get("/v2/team/app/blobs/" + digest + "?ns=127.0.0.1:" + nginx.port());
        assertArrayEquals(expected, second.body());
        assertEquals(expected.length, blobBytesFromUpstream(digest), "the upstream served the blob twice");
    }

    @Test
    void shouldSendTheFirstBytesBeforeTheBlobHasArrived() throws Exception
    {
        proxy.close();
        node.close();
        nginx.close();
        nginx = NginxOrigin.builder(tmp.resolve("slow")).limitRateBytesPerSec(MIB).start();
        node = new TestNode(new DataplaneContext().dataDir(tmp.resolve("data2")).indexMaxTasks(1024)
            .pieceLengthBytes(MIB).conclude());
        proxy = OciProxy.start(new OciProxyContext().mirrorListen("127.0.0.1:0").authCheck(false)
            .registryDefault("http://127.0.0.1:" + nginx.port()).conclude(), node, 1);
        final String digest = blob("team/app", 12L * MIB, 7);

        final HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(mirror("/v2/team/app/blobs/" + digest))
            .build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = r.body())
        {
            assertEquals(200, r.statusCode());
            assertTrue(body.read() >= 0);
            final var handle = node.store().openForServing(
                dev.starling.dataplane.task.TaskId.ofDigest(dev.starling.dataplane.task.Digest.parse(digest)));
            try
            {
                assertTrue(!handle.isComplete(), "the first byte waited for the whole blob");
            }
            finally
            {
                handle.close();
            }
            final byte[] rest = body.readAllBytes();
            assertEquals(12L * MIB - 1, rest.length);
        }
    }

    @Test
    void shouldAnswerARangeWith206AndContentRange() throws Exception
    {
        final String digest = blob("team/app", 3L * MIB, 2);
        final byte[] expected = Files.readAllBytes(nginx.registryDir().resolve("team/app/blobs").resolve(digest));

        final HttpResponse<byte[]> resumed = get("/v2/team/app/blobs/" + digest, "Range", "bytes=" + (MIB + 5) + "-");
        assertEquals(206, resumed.statusCode());
        assertEquals("bytes " + (MIB + 5) + "-" + (expected.length - 1) + "/" + expected.length,
            resumed.headers().firstValue("Content-Range").orElse(""));
        assertArrayEquals(Arrays.copyOfRange(expected, MIB + 5, expected.length), resumed.body());
        final HttpResponse<byte[]> tooFar = get("/v2/team/app/blobs/" + digest, "Range", "bytes=" + expected.length + "-");
        assertEquals(416, tooFar.statusCode());
        assertEquals(2, proxy.metrics().rangedRequests());
    }

    @Test
    void shouldPassManifestsThroughWithTheUpstreamsStatusAndHeaders() throws Exception
    {
        final Path manifest = nginx.registryDir().resolve("team/app/manifests/v1");
        Files.createDirectories(manifest.getParent());
        Files.writeString(manifest, "{\"schemaVersion\":2}");

        final HttpResponse<byte[]> r = get("/v2/team/app/manifests/v1", "Accept", "application/vnd.oci.image.manifest.v1+json");
        assertEquals(200, r.statusCode());
        assertEquals("{\"schemaVersion\":2}", new String(r.body()));
        assertEquals(404, get("/v2/team/app/manifests/v2").statusCode());
        final HttpResponse<byte[]> head = http.send(HttpRequest.newBuilder(mirror("/v2/team/app/manifests/v1"))
            .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, head.statusCode());
        assertEquals("19", head.headers().firstValue("Content-Length").orElse(""));
    }

    @Test
    void shouldGiveTheUpstreamsChallengeToAClientWithoutCredentialsAndTheBlobToOneWithThem() throws Exception
    {
        final String digest = blob("secret/app", MIB + 1, 3);
        final String path = "/v2/secret/app/blobs/" + digest;

        final HttpResponse<byte[]> anonymous = get(path);
        assertEquals(401, anonymous.statusCode());
        assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        final HttpResponse<byte[]> allowed = get(path, "Authorization", NginxOrigin.PRIVATE_AUTHORIZATION);
        assertEquals(200, allowed.statusCode());
        assertEquals(MIB + 1, allowed.body().length);
        // The blob is now in the store; a client without rights still gets only the challenge.
        assertEquals(401, get(path).statusCode());
        assertEquals(401, get(path, "Authorization", "Bearer wrong").statusCode());
    }

    @Test
    void shouldNotServeAWholeBlobThatFailsItsDigest() throws Exception
    {
        final String digest = "sha256:" + "0".repeat(64);
        final Path bad = nginx.registryDir().resolve("team/app/blobs").resolve(digest);
        Files.createDirectories(bad.getParent());
        NginxOrigin.writeRandomFile(bad, 2L * MIB + 3, 4);

        boolean completeAndOk;
        try
        {
            final HttpResponse<byte[]> r = get("/v2/team/app/blobs/" + digest);
            completeAndOk = r.statusCode() == 200 && r.body().length == 2L * MIB + 3;
        }
        catch (final IOException ex)
        {
            completeAndOk = false;
        }
        assertTrue(!completeAndOk, "a blob that fails its digest reached the client whole");
        final String good = blob("team/app", 1000, 6);
        assertEquals(200, get("/v2/team/app/blobs/" + good).statusCode(), "the mirror still serves");
    }

    @Test
    void shouldRejectMalformedRequestsWithRegistryErrors() throws Exception
    {
        final HttpResponse<byte[]> name = get("/v2/Bad_Name/blobs/sha256:" + "a".repeat(64));
        assertEquals(400, name.statusCode());
        assertTrue(new String(name.body()).contains("\"NAME_INVALID\""));
        assertEquals(400, get("/v2/a/blobs/sha256:xyz").statusCode());
        assertEquals(400, get("/v2/a/blobs/sha256:" + "a".repeat(64), "Range", "bytes=9-1").statusCode());
        assertEquals(400, get("/v2/a/blobs/sha256:" + "a".repeat(64) + "?ns=not%20a%20host").statusCode());
        assertEquals(405, http.send(HttpRequest.newBuilder(mirror("/v2/a/blobs/uploads/"))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray()).statusCode());
        assertEquals(400, get("/v2/", "X-Big", "x".repeat(20_000)).statusCode());
    }

    @Test
    void shouldCloseATlsClientHelloCleanlyAndKeepServing() throws Exception
    {
        try (Socket s = new Socket())
        {
            s.connect(proxy.localAddress(), 5_000);
            s.setSoTimeout(5_000);
            final OutputStream out = s.getOutputStream();
            out.write(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 1, 0, 0, 1, 0});
            out.flush();
            final InputStream in = s.getInputStream();
            assertEquals(-1, in.read(), "the mirror must close a TLS handshake without answering");
        }
        final String digest = blob("team/app", 1000, 5);
        assertEquals(200, get("/v2/team/app/blobs/" + digest).statusCode());
    }

    @Test
    void shouldAnswer502QuicklyWhenTheUpstreamIsDown() throws Exception
    {
        final int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            deadPort = s.getLocalPort();
        }
        final long start = System.nanoTime();
        final HttpResponse<byte[]> r = get("/v2/a/manifests/latest?ns=127.0.0.1:" + deadPort);
        assertEquals(502, r.statusCode());
        assertTrue(new String(r.body()).contains("unreachable"), new String(r.body()));
        final HttpResponse<byte[]> blob = get("/v2/a/blobs/sha256:" + "b".repeat(64) + "?ns=127.0.0.1:" + deadPort);
        assertEquals(502, blob.statusCode());
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "502 took too long");
    }
}
