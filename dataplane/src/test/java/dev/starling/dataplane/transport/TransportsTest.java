package dev.starling.dataplane.transport;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransportsTest
{
    @Test
    void shouldFindTheTcpProviderThroughServiceLoader()
    {
        assertTrue(Transports.availableFamilies().contains("tcp"));
        try (TransportProvider p = Transports.open("tcp", "nio", 1))
        {
            assertEquals("tcp-nio", p.name());
        }
    }

    @Test
    void shouldRefuseAnUnknownFamilyWithBadConfig()
    {
        final StarlingException ex = assertThrows(StarlingException.class, () -> Transports.open("carrier-pigeon", "auto", 1));
        assertEquals(ErrorCode.BAD_CONFIG, ex.code());
    }

    @Test
    void shouldRefuseAnUnknownEngineWithBadConfig()
    {
        final StarlingException ex = assertThrows(StarlingException.class, () -> Transports.open("tcp", "smoke-signals", 1));
        assertEquals(ErrorCode.BAD_CONFIG, ex.code());
    }
}
