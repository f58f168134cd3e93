package dev.starling.dataplane.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class RegistryFixtureTest
{
    private static final int FILE_BYTES = 300 * 1024;
    private static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);
    private static final String USER = "alice";
    private static final String PASSWORD = "s3cret-pass";

    private final HttpClient client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5))
        .build();

    @Test
    void shouldServePushedImageByteExactAndLogEachBlobGetOnce(@TempDir final Path workDir) throws Exception
    {
        final OciImage image = OciImage.builder(workDir.resolve("image")).seed(11).addLayers(3, 3, FILE_BYTES).build();
        try (RegistryFixture registry = RegistryFixture.start(workDir.resolve("registry")))
        {
            registry.push(image, "starling/app", "v1");

            final HttpResponse<byte[]> base = send(HttpRequest.newBuilder(registry.url("/v2/")).build());
            final HttpResponse<byte[]> manifest = send(HttpRequest.newBuilder(
                registry.url("/v2/starling/app/manifests/v1")).header("Accept", OciImage.MANIFEST_MEDIA_TYPE).build());

            assertEquals(200, base.statusCode());
            assertEquals("registry/2.0", base.headers().firstValue("docker-distribution-api-version").orElse(null));
            assertEquals(200, manifest.statusCode());
            assertEquals(OciImage.MANIFEST_MEDIA_TYPE, manifest.headers().firstValue("content-type").orElse(null));
            assertEquals(image.manifest().digest(),
                manifest.headers().firstValue("docker-content-digest").orElse(null));
            assertArrayEquals(image.manifest().readBytes(), manifest.body());

            for (final OciImage.Blob blob : image.blobs())
            {
                assertEquals(0, registry.blobGets(blob.digest()), "skopeo pushes without GETting blobs");
                final HttpResponse<byte[]> response =
                    send(HttpRequest.newBuilder(registry.url("/v2/starling/app/blobs/" + blob.digest())).build());
                assertEquals(200, response.statusCode(), blob.digest());
                assertEquals(blob.sizeBytes(), response.body().length);
                assertEquals(blob.digest(), "sha256:" + NginxOrigin.sha256Hex(response.body()));
            }
            for (final OciImage.Blob blob : image.blobs())
            {
                final List<AccessLogEntry> gets = registry.awaitAccessLog(RegistryFixture.blobGet(blob.digest()), 1,
                    LOG_TIMEOUT);
                assertEquals(1, gets.size(), gets.toString());
                assertEquals(blob.sizeBytes(), gets.get(0).bodyBytesSent());
                assertEquals(1, registry.blobGets(blob.digest()));
            }
        }
    }

    @Test
    void shouldCountRangedBlobGets(@TempDir final Path workDir) throws Exception
    {
        final OciImage image = OciImage.builder(workDir.resolve("image")).seed(12).addLayer(1, FILE_BYTES).build();
        try (RegistryFixture registry = RegistryFixture.start(workDir.resolve("registry")))
        {
            registry.push(image, "app", "latest");
            final OciImage.Blob layer = image.layers().get(0).blob();

            final HttpResponse<byte[]> ranged = send(HttpRequest.newBuilder(
                registry.url("/v2/app/blobs/" + layer.digest())).header("Range", "bytes=100-199").build());

            assertEquals(206, ranged.statusCode());
            assertArrayEquals(Arrays.copyOfRange(layer.readBytes(), 100, 200), ranged.body());
            final AccessLogEntry entry =
                registry.awaitAccessLog(RegistryFixture.blobGet(layer.digest()), 1, LOG_TIMEOUT).get(0);
            assertEquals(206, entry.status());
            assertEquals(100, entry.bodyBytesSent());
            assertEquals(1, registry.blobGets(layer.digest()));
            assertEquals(0, registry.blobGets(image.config().digest()));
        }
    }

    @Test
    void shouldRequireBasicCredentialsWhenBasicAuthIsOn(@TempDir final Path workDir) throws Exception
    {
        final OciImage image = OciImage.builder(workDir.resolve("image")).seed(13).addLayer(1, 1024).build();
        try (RegistryFixture registry =
            RegistryFixture.builder(workDir.resolve("registry")).basicAuth(USER, PASSWORD).start())
        {
            registry.push(image, "private/app", "v1");
            // skopeo's push starts with an anonymous GET /v2/ of its own and ends with the manifest PUT.
            registry.awaitAccessLog(e -> "PUT".equals(e.method()) && e.uri().endsWith("/manifests/v1"), 1, LOG_TIMEOUT);
            final int pushLogEntries = registry.accessLog().size();

            final HttpResponse<byte[]> anonymous = send(HttpRequest.newBuilder(registry.url("/v2/")).build());
            final HttpResponse<byte[]> wrongPassword = send(HttpRequest.newBuilder(registry.url("/v2/"))
                .header("Authorization", basic(USER, "wrong")).build());
            final HttpResponse<byte[]> authorized = send(HttpRequest.newBuilder(registry.url("/v2/"))
                .header("Authorization", basic(USER, PASSWORD)).build());
            final HttpResponse<byte[]> manifest = send(HttpRequest.newBuilder(
                registry.url("/v2/private/app/manifests/v1")).header("Accept", OciImage.MANIFEST_MEDIA_TYPE)
                .header("Authorization", basic(USER, PASSWORD)).build());

            assertEquals(401, anonymous.statusCode());
            assertEquals("Basic realm=\"" + RegistryFixture.REALM + "\"",
                anonymous.headers().firstValue("www-authenticate").orElse(null));
            assertEquals(401, wrongPassword.statusCode());
            assertEquals(200, authorized.statusCode());
            assertArrayEquals(image.manifest().readBytes(), manifest.body());
            registry.awaitAccessLog(e -> "GET".equals(e.method()) && e.uri().endsWith("/manifests/v1"), 1, LOG_TIMEOUT);
            assertEquals(List.of(401, 401, 200, 200),
                registry.accessLog().subList(pushLogEntries, pushLogEntries + 4).stream()
                    .map(AccessLogEntry::status).collect(Collectors.toList()));
        }
    }

    @Test
    void shouldFailPushWithSkopeoOutputWhenSkopeoFails(@TempDir final Path workDir) throws Exception
    {
        final OciImage image = OciImage.builder(workDir.resolve("image")).seed(14).addLayer(1, 1024).build();
        try (RegistryFixture registry = RegistryFixture.start(workDir.resolve("registry")))
        {
            final IOException failure =
                assertThrows(IOException.class, () -> registry.push(image, "Not_Lowercase", "v1"));

            assertTrue(failure.getMessage().contains("skopeo exited with"), failure.getMessage());
            assertTrue(failure.getMessage().contains("lowercase"), failure.getMessage());
        }
    }

    @Test
    void shouldChallengeForBearerTokenWhenTokenAuthIsOn(@TempDir final Path workDir) throws Exception
    {
        final URI realm = URI.create("http://127.0.0.1:1/token");
        try (RegistryFixture registry = RegistryFixture.builder(workDir.resolve("registry")).tokenAuth(realm).start())
        {
            final HttpResponse<byte[]> anonymous = send(HttpRequest.newBuilder(registry.url("/v2/")).build());

            assertEquals(401, anonymous.statusCode());
            assertEquals("Bearer realm=\"" + realm + "\",service=\"" + RegistryFixture.TOKEN_SERVICE + "\"",
                anonymous.headers().firstValue("www-authenticate").orElse(null));
            assertTrue(Files.size(registry.tokenSigningKeyStore()) > 0);
        }
    }

    @Test
    void shouldStopProcessFreePortAndDeleteStorageOnClose(@TempDir final Path workDir) throws Exception
    {
        final OciImage image = OciImage.builder(workDir.resolve("image")).seed(15).addLayer(1, 1024).build();
        final Path registryDir = workDir.resolve("registry");
        final RegistryFixture registry = RegistryFixture.start(registryDir);
        final List<ProcessHandle> running;
        final int port = registry.port();
        try
        {
            registry.push(image, "app", "v1");
            running = registryDescendants();
            assertEquals(1, running.size(), running.toString());
        }
        finally
        {
            registry.close();
        }

        assertFalse(running.get(0).isAlive());
        assertEquals(List.of(), registryDescendants());
        try (ServerSocket socket = new ServerSocket())
        {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }
        assertFalse(Files.exists(registryDir.resolve("storage")));
        assertFalse(Files.exists(registryDir.resolve("conf")));
        registry.close();
    }

    @Test
    void shouldBuildSameImageForSameSeed(@TempDir final Path workDir) throws Exception
    {
        final OciImage first = OciImage.builder(workDir.resolve("a")).seed(21).addLayers(2, 2, 4096).build();
        final OciImage second = OciImage.builder(workDir.resolve("b")).seed(21).addLayers(2, 2, 4096).build();
        final OciImage other = OciImage.builder(workDir.resolve("c")).seed(22).addLayers(2, 2, 4096).build();

        assertEquals(first.manifest().digest(), second.manifest().digest());
        assertFalse(first.manifest().digest().equals(other.manifest().digest()));
        assertEquals(List.of("layer-0/file-0.bin", "layer-0/file-1.bin"),
            first.layers().get(0).files().stream().map(OciImage.LayerFile::path).collect(Collectors.toList()));
        final String index = Files.readString(first.layoutDir().resolve("index.json"), StandardCharsets.UTF_8);
        assertTrue(index.contains(first.manifest().digest()), index);
    }

    private static List<ProcessHandle> registryDescendants()
    {
        return ProcessHandle.current().descendants()
            .filter(process -> process.info().command().map(c -> c.endsWith("docker-registry")).orElse(false))
            .collect(Collectors.toList());
    }

    private static String basic(final String user, final String password)
    {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<byte[]> send(final HttpRequest request) throws IOException, InterruptedException
    {
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }
}
