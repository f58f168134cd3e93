package dev.starling.cli;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryHostTest
{
    @Test
    void shouldAcceptRegistryHostsWithAndWithoutPorts()
    {
        assertEquals("docker.io", RegistryHost.parse("--registry", " docker.io ", false));
        assertEquals("127.0.0.1:5000", RegistryHost.parse("--registry", "127.0.0.1:5000", false));
        assertEquals("registry.local:65535", RegistryHost.parse("--registry", "registry.local:65535", false));
        assertEquals(List.of("docker.io", "ghcr.io"),
            RegistryHost.parseList("--registry", List.of("docker.io", "ghcr.io", "docker.io")));
    }

    @Test
    void shouldRequireAPortForAnAddress()
    {
        assertEquals("127.0.0.1:65001", RegistryHost.parse("--mirror", "127.0.0.1:65001", true));
        final StarlingException ex = assertThrows(StarlingException.class,
            () -> RegistryHost.parse("--mirror", "127.0.0.1", true));
        assertEquals(ErrorCode.BAD_CONFIG, ex.code());
        assertTrue(ex.getMessage().contains("--mirror"), ex.getMessage());
    }

    @Test
    void shouldRejectSchemesPathsBadPortsAndBadHosts()
    {
        for (final String bad : List.of("https://docker.io", "docker.io/library", "host:70000", "host:", "-bad.io",
            "999.1.1.1", "_default", "[::1]:5000", ""))
        {
            final StarlingException ex = assertThrows(StarlingException.class,
                () -> RegistryHost.parse("--registry", bad, false), bad);
            assertEquals(ErrorCode.BAD_CONFIG, ex.code(), bad);
        }
    }
}
