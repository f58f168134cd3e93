package dev.starling.ociproxy;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OciProxyContextTest
{
    @Test
    void shouldParseOneListenerPerRegistryInTheOrderGiven()
    {
        final OciProxyContext ctx = new OciProxyContext().mirrorListen("127.0.0.1:65001")
            .mirrorRegistryListen(" quay.io=127.0.0.1:65011, http://10.0.0.1:5000=0.0.0.0:0 ").conclude();

        assertEquals(List.of(
            new OciProxyContext.RegistryListener("quay.io", new InetSocketAddress("127.0.0.1", 65011)),
            new OciProxyContext.RegistryListener("http://10.0.0.1:5000", new InetSocketAddress("0.0.0.0", 0))),
            ctx.registryListeners());
        assertEquals(List.of(), new OciProxyContext().mirrorRegistryListen("none").conclude().registryListeners());
    }

    @ParameterizedTest
    @ValueSource(strings = {"quay.io", "=127.0.0.1:1", "quay.io/x=127.0.0.1:1", "quay.io=nowhere",
        "quay.io=127.0.0.1:1,Quay.io=127.0.0.1:2", "quay.io=127.0.0.1:65001", "a.io=127.0.0.1:7,b.io=127.0.0.1:7"})
    void shouldRefuseAMalformedOrCollidingMirrorRegistryListenWithBadConfig(final String value)
    {
        final StarlingException ex = assertThrows(StarlingException.class, () -> new OciProxyContext()
            .mirrorListen("127.0.0.1:65001").mirrorRegistryListen(value).conclude());

        assertEquals(ErrorCode.BAD_CONFIG, ex.code());
        assertTrue(ex.getMessage().contains("mirror-registry-listen"), ex.getMessage());
    }
}
