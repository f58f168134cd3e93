package dev.starling.ociproxy;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class UpstreamsTest
{
    @Test
    void shouldPreferTheNsParameterThenTheHeaderThenTheDefault()
    {
        final Upstreams u = new Upstreams(new OciProxyContext().mirrorListen("none")
            .registryDefault("registry.example:5000").registryInsecure("127.0.0.1:5000").conclude());
        assertEquals(URI.create("http://127.0.0.1:5000"), u.resolve("127.0.0.1:5000", "ghcr.io"));
        assertEquals(URI.create("https://ghcr.io"), u.resolve(null, "ghcr.io"));
        assertEquals(URI.create("https://registry.example:5000"), u.resolve(null, null));
    }

    @Test
    void shouldMapDockerHubAndKeepExplicitSchemes()
    {
        assertEquals(URI.create("https://registry-1.docker.io"), Upstreams.registryUri("docker.io", Set.of()));
        assertEquals(URI.create("http://mirror.local:8080"), Upstreams.registryUri("http://mirror.local:8080", Set.of()));
        assertEquals(URI.create("http://10.0.0.1:5000"), Upstreams.registryUri("10.0.0.1:5000", Set.of("10.0.0.1:5000")));
    }

    @Test
    void shouldRefuseMalformedRegistries()
    {
        assertNull(Upstreams.registryUri("not a host", Set.of()));
        assertNull(Upstreams.registryUri("ftp://x", Set.of()));
        assertNull(Upstreams.registryUri("host/path", Set.of()));
        assertNull(Upstreams.registryUri("evil.com@x", Set.of()));
    }
}
