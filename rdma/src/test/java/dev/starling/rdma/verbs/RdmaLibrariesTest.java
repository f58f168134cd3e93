package dev.starling.rdma.verbs;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RdmaLibrariesTest
{
    @Test
    void shouldLoadRdmaCoreAndFindDevicesOrSayWhyNot()
    {
        final Availability availability = RdmaLibraries.availability();
        System.out.println("RdmaLibrariesTest: " + availability);
        if (availability instanceof Availability.Unavailable unavailable)
        {
            // run-tests installs libibverbs1 and librdmacm1: the libraries themselves must load.
            assertNotEquals(Availability.Reason.LIBRARY_MISSING, unavailable.reason(), unavailable.toString());
            assertNotEquals(Availability.Reason.SYMBOL_MISSING, unavailable.reason(), unavailable.toString());
            assertEquals(Availability.Reason.NO_DEVICE, unavailable.reason(), unavailable.toString());
            assertTrue(unavailable.detail().startsWith("rdma_get_devices failed: ENODEV (No such device)"),
                unavailable.detail());
            assertTrue(unavailable.detail().contains("ibv_get_device_list: 0 devices"), unavailable.detail());
        }
        else
        {
            assertFalse(((Availability.Available)availability).devices().isEmpty());
        }
        assertTrue(availability == RdmaLibraries.availability(), "probed once");
    }

    @Test
    void shouldReportAMissingLibraryAsAValueNotAnException()
    {
        final Availability a = RdmaLibraries.load("libibverbs-starling-missing.so.1", RdmaCm.LIBRARY);
        final Availability.Unavailable u = assertInstanceOf(Availability.Unavailable.class, a);
        assertEquals(Availability.Reason.LIBRARY_MISSING, u.reason());
        assertTrue(u.detail().contains("libibverbs-starling-missing.so.1"), u.detail());
        assertFalse(a.available());

        final Availability.Unavailable cm = assertInstanceOf(Availability.Unavailable.class,
            RdmaLibraries.load(IbVerbs.LIBRARY, "librdmacm-starling-missing.so.1"));
        assertEquals(Availability.Reason.LIBRARY_MISSING, cm.reason());
    }

    @Test
    void shouldReportALibraryWithoutTheVerbsAsMissingSymbols()
    {
        // The C library loads but has no ibv_* functions: the bindings say so instead of failing later.
        final Availability.Unavailable u = assertInstanceOf(Availability.Unavailable.class,
            RdmaLibraries.load("libc.so.6", "libc.so.6"));
        assertEquals(Availability.Reason.SYMBOL_MISSING, u.reason());
        assertTrue(u.detail().contains("ibv_get_device_list"), u.detail());
    }

    @Test
    void shouldCallTheLibrariesTextFunctionsThatNeedNoDevice()
    {
        final RdmaLibraries.Libraries libraries = RdmaLibraries.loadLibraries(IbVerbs.LIBRARY, RdmaCm.LIBRARY);
        assertEquals("IBV_WC_REM_ACCESS_ERR (remote access error)", libraries.verbs().describeWcStatus(10));
        assertEquals("IBV_WC_WR_FLUSH_ERR (Work Request Flushed Error)", libraries.verbs().describeWcStatus(5));
        assertEquals("RDMA_CM_EVENT_CONNECT_REQUEST", libraries.cm().eventName(Structs.RDMA_CM_EVENT_CONNECT_REQUEST));
        assertEquals("RDMA_CM_EVENT_ESTABLISHED", libraries.cm().eventName(Structs.RDMA_CM_EVENT_ESTABLISHED));
    }
}
