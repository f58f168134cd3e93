package dev.starling.ociproxy;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.security.cert.CertificateException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which registry and scheme a request resolves to. The TLS behaviour against real registries (self-signed HTTPS,
 * plain HTTP) is in {@link OciProxyRegistryTest}.
 */
class UpstreamsTest
{
    private static Upstreams upstreams(final String registryDefault, final String insecure)
    {
        return new Upstreams(new OciProxyContext().mirrorListen("none").registryDefault(registryDefault)
            .registryInsecure(insecure).conclude(), new MirrorMetrics(new PrometheusRegistry()));
    }

    @Test
    void shouldPreferTheNsParameterThenTheHeaderThenTheListenersDefault()
    {
        final Upstreams u = upstreams("registry.example:5000", "");
        assertEquals(URI.create("https://quay.io"), u.resolve("quay.io", "ghcr.io").join());
        assertEquals(URI.create("https://ghcr.io"), u.resolve(null, "ghcr.io").join());
        assertEquals(URI.create("https://registry.example:5000"), u.resolve(null, null).join());
        assertEquals(URI.create("https://other.example"), u.withDefault("other.example").resolve(null, null).join());
        assertEquals(URI.create("https://quay.io"), u.withDefault("other.example").resolve("quay.io", null).join());
    }

    @Test
    void shouldMapDockerHubAndKeepExplicitSchemes()
    {
        final Upstreams u = upstreams("docker.io", "mirror.local:8080");
        assertEquals(URI.create("https://registry-1.docker.io"), u.resolve(null, null).join());
        assertEquals(URI.create("http://mirror.local:8080"), u.resolve(null, "http://mirror.local:8080").join());
        assertEquals(URI.create("https://mirror.local:8080"), u.resolve(null, "https://Mirror.Local:8080").join());
        assertEquals(new Upstreams.Registry(null, "registry-1.docker.io"), Upstreams.Registry.parse("index.docker.io"));
    }

    @Test
    void shouldRefuseMalformedRegistries()
    {
        assertNull(Upstreams.Registry.parse("not a host"));
        assertNull(Upstreams.Registry.parse("ftp://x"));
        assertNull(Upstreams.Registry.parse("host/path"));
        assertNull(Upstreams.Registry.parse("evil.com@x"));
        assertNull(upstreams("docker.io", "").resolve("evil.com@x", null).join());
    }

    @Test
    void shouldUseHttpsForAnInsecureRegistryThatAnswersNeitherAndProbeAgainNextTime() throws Exception
    {
        final int closedPort;
        try (ServerSocket s = new ServerSocket(0))
        {
            closedPort = s.getLocalPort();
        }
        final Upstreams u = upstreams("docker.io", "127.0.0.1:" + closedPort);
        assertEquals(URI.create("https://127.0.0.1:" + closedPort), u.resolve("127.0.0.1:" + closedPort, null).join());
        assertEquals(URI.create("https://127.0.0.1:" + closedPort), u.resolve("127.0.0.1:" + closedPort, null).join());
    }

    @Test
    void shouldChooseTheNonVerifyingClientOnlyForInsecureRegistries()
    {
        final Upstreams u = upstreams("docker.io", "10.0.0.1:5000");
        assertSame(u.client(URI.create("https://10.0.0.1:5000/v2/")), u.client(URI.create("http://10.0.0.1:5000/v2/")));
        assertNotSame(u.client(URI.create("https://10.0.0.1:5000/v2/")), u.client(URI.create("https://10.0.0.1/v2/")));
    }

    @Test
    void shouldNameTheFlagsWhenACertificateCannotBeVerified()
    {
        final Upstreams u = upstreams("docker.io", "");
        final SSLHandshakeException pkix = new SSLHandshakeException("PKIX path building failed");
        pkix.initCause(new CertificateException("unable to find valid certification path"));
        final String message = u.describeFailure(URI.create("https://10.0.0.1:5000"), pkix);
        assertTrue(message.contains("TLS certificate of upstream registry https://10.0.0.1:5000 could not be verified"),
            message);
        assertTrue(message.contains("--registry-ca") && message.contains("list 10.0.0.1:5000 in --registry-insecure"),
            message);
        final String refused = u.describeFailure(URI.create("https://10.0.0.1:5000"), new ConnectException("refused"));
        assertEquals("upstream registry https://10.0.0.1:5000 is unreachable: java.net.ConnectException: refused",
            refused);
    }
}
