package dev.starling.rdma.verbs;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ErrnoTest
{
    @Test
    void shouldNameErrnoValuesStably()
    {
        assertEquals("ENOSYS", Errno.name(38));
        assertEquals("ENODEV", Errno.name(19));
        assertEquals("ETIMEDOUT", Errno.name(110));
        assertEquals("E4242", Errno.name(4242));
        assertEquals("E-1", Errno.name(-1));
    }

    @Test
    void shouldDescribeErrnoWithTheCLibrarysText()
    {
        assertEquals("ENOSYS (Function not implemented)", Errno.describe(38));
        assertEquals("ENODEV (No such device)", Errno.describe(19));
        assertEquals("ECONNREFUSED (Connection refused)", Errno.describe(111));
    }

    @Test
    void shouldCarryTheVerbAndErrnoInAVerbsException()
    {
        final VerbsException ex = new VerbsException("rdma_resolve_addr", 110, "10.0.0.2:7471");
        assertEquals("rdma_resolve_addr:ETIMEDOUT", ex.code());
        assertEquals(110, ex.errno());
        assertEquals("rdma_resolve_addr", ex.verb());
        assertEquals("rdma_resolve_addr failed: ETIMEDOUT (Connection timed out): 10.0.0.2:7471", ex.getMessage());
    }

    @Test
    void shouldNameWorkCompletionStatuses()
    {
        assertEquals("IBV_WC_REM_ACCESS_ERR", Structs.wcStatusName(10));
        assertEquals("IBV_WC_WR_FLUSH_ERR", Structs.wcStatusName(5));
        assertEquals("IBV_WC_STATUS_99", Structs.wcStatusName(99));
    }
}
