package dev.starling.rdma;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.TransportProviderFactory;
import dev.starling.dataplane.transport.Transports;
import dev.starling.rdma.verbs.RdmaLibraries;
import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * On a machine without an RDMA device (CI): the provider is found through ServiceLoader, reports itself unavailable
 * with the reason, and a node asking for the best transport gets TCP, the fallback counted once.
 */
class RdmaFallbackTest
{
    private static RdmaTransportFactory factory()
    {
        for (final TransportProviderFactory f : ServiceLoader.load(TransportProviderFactory.class))
        {
            if (f instanceof RdmaTransportFactory rdma)
            {
                return rdma;
            }
        }
        throw new AssertionError("the rdma provider is not registered in META-INF/services");
    }

    @Test
    void shouldBeFoundThroughServiceLoaderAndSayWhetherItCanRun()
    {
        final RdmaTransportFactory f = factory();
        assertEquals(Transports.RDMA, f.family());
        assertEquals(RdmaLibraries.availability().available(), f.isAvailable());
        assertEquals(f.isAvailable(), Transports.availableFamilies().contains(Transports.RDMA));
        assertTrue(Transports.availableFamilies().contains(Transports.TCP));
    }

    @Test
    void shouldFallBackToTcpOnceCountedWhenNoDeviceAnswers()
    {
        assumeFalse(RdmaLibraries.availability().available(), "this machine has an RDMA device: no fallback here");
        final String reason = factory().unavailabilityReason();
        assertNotNull(reason);
        assertTrue(reason.startsWith("NO_DEVICE: "), reason);

        final long before = Transports.fallbackCount();
        try (TransportProvider p = Transports.openPreferred("auto", 1))
        {
            assertTrue(p.name().startsWith("tcp-"), p.name());
        }
        assertEquals(before + 1, Transports.fallbackCount(), "one fallback, counted once");
    }

    @Test
    void shouldRefuseAForcedRdmaTransportWithTheReason()
    {
        assumeFalse(RdmaLibraries.availability().available(), "this machine has an RDMA device");
        final long before = Transports.fallbackCount();
        final StarlingException ex = assertThrows(StarlingException.class, () -> Transports.openPreferred("rdma", 1));
        assertEquals(ErrorCode.BAD_CONFIG, ex.code());
        assertTrue(ex.getMessage().contains("NO_DEVICE"), ex.getMessage());
        assertEquals(before, Transports.fallbackCount(), "a forced transport does not fall back");
        assertFalse(Transports.availableFamilies().contains(Transports.RDMA));
    }
}
