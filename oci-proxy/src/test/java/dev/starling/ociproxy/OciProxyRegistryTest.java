package dev.starling.ociproxy;

import dev.starling.dataplane.testkit.TestNode;
import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.testkit.OciImage;
import dev.starling.dataplane.testkit.RegistryFixture;
import dev.starling.dataplane.testkit.RegistryTokenServer;
import dev.starling.dataplane.testkit.TestCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mirror between real parts: Debian's docker-registry (distribution 2.8) upstream and skopeo pulling through
 * it (skopeo probes TLS on the plain port first, then uses plain HTTP).
 */
@Timeout(120)
class OciProxyRegistryTest
{
    @TempDir
    Path tmp;

    private RegistryFixture registry;
    private TestNode node;
    private OciProxy proxy;

    @AfterEach
    void tearDown()
    {
        if (proxy != null)
        {
            proxy.close();
        }
        if (node != null)
        {
            node.close();
        }
        if (registry != null)
        {
            registry.close();
        }
    }

    private void startMirror()
    {
        startMirror(new OciProxyContext().registryDefault("http://" + registry.host()));
    }

    /** Starts the mirror on port 0 with these settings; the node's blob downloads trust what the mirror trusts. */
    private void startMirror(final OciProxyContext settings)
    {
        final OciProxyContext ctx = settings.mirrorListen("127.0.0.1:0").conclude();
        node = new TestNode(new DataplaneContext().dataDir(tmp.resolve("data")).indexMaxTasks(1024)
            .pieceLengthBytes(1 << 20).conclude(), ctx.originTls());
        proxy = OciProxy.start(ctx, node, 1);
    }

    /** skopeo copy from the mirror into an OCI layout; returns its exit code and output. */
    private Result pull(final String repoTag, final Path out, final String credentials) throws Exception
    {
        return pull(proxy.localAddress().getPort(), repoTag, out, credentials);
    }

    /** skopeo copy from a mirror port into an OCI layout; returns its exit code and output. */
    private Result pull(final int mirrorPort, final String repoTag, final Path out, final String credentials)
        throws Exception
    {
        final List<String> cmd = new ArrayList<>(List.of(RegistryFixture.DEFAULT_SKOPEO_BINARY.toString(),
            "--insecure-policy", "copy", "--quiet", "--src-tls-verify=false"));
        if (credentials == null)
        {
            cmd.add("--src-no-creds");
        }
        else
        {
            cmd.add("--src-creds");
            cmd.add(credentials);
        }
        cmd.add("docker://127.0.0.1:" + mirrorPort + "/" + repoTag);
        cmd.add("oci:" + out + ":pulled");
        final ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
        Files.createDirectories(tmp.resolve("skopeo-tmp"));
        b.environment().put("REGISTRY_AUTH_FILE", tmp.resolve("skopeo-auth.json").toString());
        b.environment().put("TMPDIR", tmp.resolve("skopeo-tmp").toString());
        final Process p = b.start();
        final byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "skopeo hung");
        return new Result(p.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private record Result(int exitCode, String output)
    {
    }

    private static void assertHoldsEveryBlob(final OciImage image, final Path layout) throws IOException
    {
        for (final OciImage.Blob blob : image.blobs())
        {
            final Path copy = layout.resolve("blobs/sha256").resolve(blob.digest().substring("sha256:".length()));
            assertTrue(Files.exists(copy), "missing " + blob.digest());
            assertArrayEquals(blob.readBytes(), Files.readAllBytes(copy), blob.digest());
        }
    }

    @Test
    void shouldPullAnImageThroughTheMirrorByteExactWithEachBlobFromTheRegistryOnce() throws Exception
    {
        registry = RegistryFixture.start(tmp.resolve("registry"));
        final OciImage image = OciImage.builder(tmp.resolve("image")).seed(21).addLayers(3, 4, 300_000).build();
        registry.push(image, "team/app", "v1");
        startMirror();

        final Result first = pull("team/app:v1", tmp.resolve("out1"), null);
        assertEquals(0, first.exitCode(), first.output());
        assertHoldsEveryBlob(image, tmp.resolve("out1"));
        final Result second = pull("team/app:v1", tmp.resolve("out2"), null);
        assertEquals(0, second.exitCode(), second.output());
        assertHoldsEveryBlob(image, tmp.resolve("out2"));

        for (final OciImage.Layer layer : image.layers())
        {
            final String digest = layer.blob().digest();
            registry.awaitAccessLog(RegistryFixture.blobGet(digest), 1, Duration.ofSeconds(10));
            final long served = registry.accessLog().stream()
                .filter(e -> e.method().equals("GET") && e.path().endsWith("/blobs/" + digest))
                .mapToLong(dev.starling.dataplane.testkit.AccessLogEntry::bodyBytesSent).sum();
            assertEquals(layer.blob().sizeBytes(), served, "the registry served " + digest + " more than once");
        }
    }

    @Test
    void shouldCarryTheTokenFlowOfATokenAuthRegistryAndRefuseAClientWithoutAToken() throws Exception
    {
        final java.util.concurrent.atomic.AtomicReference<RegistryFixture> started = new java.util.concurrent.atomic.AtomicReference<>();
        try (RegistryTokenServer tokens = new RegistryTokenServer("puller", "s3cret",
            () -> started.get().tokenSigningKeyStore()))
        {
            registry = RegistryFixture.builder(tmp.resolve("registry")).tokenAuth(tokens.realm()).start();
            started.set(registry);
            final OciImage image = OciImage.builder(tmp.resolve("image")).seed(23).addLayers(2, 2, 200_000).build();
            pushWithToken(image, tokens);
            startMirror();

            final Result withCredentials = pull("private/app:v1", tmp.resolve("out1"), "puller:s3cret");
            assertEquals(0, withCredentials.exitCode(), withCredentials.output());
            assertHoldsEveryBlob(image, tmp.resolve("out1"));
            assertTrue(tokens.issued() > 0, "the client never went to the token server");
            final Result anonymous = pull("private/app:v1", tmp.resolve("out2"), null);
            assertNotEquals(0, anonymous.exitCode(), anonymous.output());
            assertTrue(!Files.exists(tmp.resolve("out2/blobs/sha256").resolve(
                image.layers().get(0).blob().digest().substring(7))), "a blob reached a client without a token");
        }
    }

    /** The fixture pushes anonymously; a token registry needs a token with push rights, so push with skopeo's creds. */
    private void pushWithToken(final OciImage image, final RegistryTokenServer tokens) throws Exception
    {
        final List<String> cmd = List.of(RegistryFixture.DEFAULT_SKOPEO_BINARY.toString(), "--insecure-policy", "copy",
            "--quiet", "--dest-tls-verify=false", "--dest-creds", "puller:s3cret",
            "oci:" + image.layoutDir() + ":" + image.ref(), "docker://" + registry.host() + "/private/app:v1");
        final ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
        Files.createDirectories(tmp.resolve("skopeo-tmp"));
        b.environment().put("REGISTRY_AUTH_FILE", tmp.resolve("skopeo-auth.json").toString());
        b.environment().put("TMPDIR", tmp.resolve("skopeo-tmp").toString());
        final Process p = b.start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }

    @Test
    void shouldLetTheRuntimeAuthenticateAndRefuseABlobToAClientWithoutCredentials() throws Exception
    {
        registry = RegistryFixture.builder(tmp.resolve("registry")).basicAuth("puller", "s3cret").start();
        final OciImage image = OciImage.builder(tmp.resolve("image")).seed(22).addLayers(2, 2, 200_000).build();
        registry.push(image, "private/app", "v1");
        startMirror();

        final Result withCredentials = pull("private/app:v1", tmp.resolve("out1"), "puller:s3cret");
        assertEquals(0, withCredentials.exitCode(), withCredentials.output());
        assertHoldsEveryBlob(image, tmp.resolve("out1"));
        // The blobs are in this node's store now; a client without credentials still gets nothing.
        final Result anonymous = pull("private/app:v1", tmp.resolve("out2"), null);
        assertNotEquals(0, anonymous.exitCode(), anonymous.output());
        final Result wrong = pull("private/app:v1", tmp.resolve("out3"), "puller:wrong");
        assertNotEquals(0, wrong.exitCode(), wrong.output());
        assertTrue(!Files.exists(tmp.resolve("out2/blobs/sha256").resolve(
            image.layers().get(0).blob().digest().substring(7))), "a blob reached a client without credentials");
    }

    @Test
    void shouldPullFromAnInsecureRegistryWithASelfSignedCertificateOverUnverifiedTls() throws Exception
    {
        registry = RegistryFixture.builder(tmp.resolve("registry"))
            .tls(TestCertificate.selfSigned(tmp.resolve("cert"))).start();
        final OciImage image = OciImage.builder(tmp.resolve("image")).seed(24).addLayers(2, 2, 300_000).build();
        registry.push(image, "team/app", "v1");
        startMirror(new OciProxyContext().registryDefault(registry.host()).registryInsecure(registry.host()));

        final Result pulled = pull("team/app:v1", tmp.resolve("out1"), null);

        assertEquals(0, pulled.exitCode(), pulled.output());
        assertHoldsEveryBlob(image, tmp.resolve("out1"));
        // The registry speaks nothing but TLS: manifests and blobs alike came over HTTPS.
        for (final OciImage.Layer layer : image.layers())
        {
            registry.awaitAccessLog(RegistryFixture.blobGet(layer.blob().digest()), 1, Duration.ofSeconds(10));
        }
        assertEquals(0, proxy.metrics().plainHttpFallbacks());
    }

    @Test
    void shouldRefuseAnUnlistedRegistryWithASelfSignedCertificateWith502NamingTheFlags() throws Exception
    {
        registry = RegistryFixture.builder(tmp.resolve("registry"))
            .tls(TestCertificate.selfSigned(tmp.resolve("cert"))).start();
        final OciImage image = OciImage.builder(tmp.resolve("image")).seed(25).addLayers(1, 1, 1000).build();
        registry.push(image, "team/app", "v1");
        startMirror(new OciProxyContext().registryDefault(registry.host()));

        final HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + "/v2/team/app/manifests/v1")).build(),
            HttpResponse.BodyHandlers.ofString());

        assertEquals(502, r.statusCode(), r.body());
        assertTrue(r.body().contains("TLS certificate of upstream registry https://" + registry.host() +
            " could not be verified"), r.body());
        assertTrue(r.body().contains("--registry-ca FILE") && r.body().contains("list " + registry.host() +
            " in --registry-insecure"), r.body());
        final Result pulled = pull("team/app:v1", tmp.resolve("out1"), null);
        assertNotEquals(0, pulled.exitCode(), pulled.output());
    }

    @Test
    void shouldTrustARegistryWhoseCaIsGivenWithRegistryCaForManifestsAndBlobs() throws Exception
    {
        final TestCertificate certificate = TestCertificate.selfSigned(tmp.resolve("cert"));
        registry = RegistryFixture.builder(tmp.resolve("registry")).tls(certificate).start();
        final OciImage image = OciImage.builder(tmp.resolve("image")).seed(26).addLayers(2, 2, 300_000).build();
        registry.push(image, "team/app", "v1");
        startMirror(new OciProxyContext().registryDefault(registry.host())
            .registryCa(certificate.certificatePem().toString()));

        final Result pulled = pull("team/app:v1", tmp.resolve("out1"), null);

        assertEquals(0, pulled.exitCode(), pulled.output());
        assertHoldsEveryBlob(image, tmp.resolve("out1"));
    }

    @Test
    void shouldFallBackToPlainHttpOnceForAnInsecureRegistryWithoutTls() throws Exception
    {
        registry = RegistryFixture.start(tmp.resolve("registry"));
        final OciImage image = OciImage.builder(tmp.resolve("image")).seed(27).addLayers(2, 2, 300_000).build();
        registry.push(image, "team/app", "v1");
        startMirror(new OciProxyContext().registryDefault(registry.host()).registryInsecure(registry.host()));

        final Result first = pull("team/app:v1", tmp.resolve("out1"), null);
        final Result second = pull("team/app:v1", tmp.resolve("out2"), null);

        assertEquals(0, first.exitCode(), first.output());
        assertEquals(0, second.exitCode(), second.output());
        assertHoldsEveryBlob(image, tmp.resolve("out2"));
        assertEquals(1, proxy.metrics().plainHttpFallbacks(), "the choice is made once per registry");
    }
}
