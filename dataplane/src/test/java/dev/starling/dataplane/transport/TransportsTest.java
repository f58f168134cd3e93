package dev.starling.dataplane.transport;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

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

    @Test
    void shouldOpenTcpWithoutCountingAFallbackWhenNoRdmaProviderIsOnTheClassPath()
    {
        final long before = Transports.fallbackCount();
        try (TransportProvider p = Transports.openPreferred("auto", 1))
        {
            assertTrue(p.name().startsWith("tcp-"), p.name());
        }
        try (TransportProvider p = Transports.openPreferred("nio", 1))
        {
            assertEquals("tcp-nio", p.name());
        }
        assertEquals(before, Transports.fallbackCount(), "nothing to fall back from");
    }

    @Test
    void shouldRefuseAForcedRdmaTransportWithoutTheProvider()
    {
        final StarlingException ex = assertThrows(StarlingException.class, () -> Transports.openPreferred("rdma", 1));
        assertEquals(ErrorCode.BAD_CONFIG, ex.code());
    }

    @Test
    void shouldCountEveryFallbackAndTellListeners()
    {
        final AtomicInteger heard = new AtomicInteger();
        final Runnable listener = heard::incrementAndGet;
        Transports.addFallbackListener(listener);
        try
        {
            final long before = Transports.fallbackCount();
            Transports.recordFallback("rdma", "tcp", "test", "first");
            Transports.recordFallback("rdma", "tcp", "test", "second, logged at debug only");
            assertEquals(before + 2, Transports.fallbackCount());
            assertEquals(2, heard.get());
        }
        finally
        {
            Transports.removeFallbackListener(listener);
        }
        Transports.recordFallback("rdma", "tcp", "test", "after removal");
        assertEquals(2, heard.get());
    }
}
