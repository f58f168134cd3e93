package dev.starling.rdma;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RdmaConfigurationTest
{
    @Test
    void shouldMatchTheSettingsTableInTheRdmaDoc() throws Exception
    {
        final String text = Files.readString(Path.of("..", "docs", "rdma.md"));
        final String start = "<!-- generated:rdma-settings -->\n";
        final int from = text.indexOf(start);
        final int to = text.indexOf("<!-- /generated -->", from);
        assertTrue(from >= 0 && to > from, "docs/rdma.md lacks the generated settings block");
        assertEquals(RdmaConfiguration.settingsTable(), text.substring(from + start.length(), to),
            "docs/rdma.md is out of date: paste RdmaConfiguration.settingsTable() between its markers");
    }

    @Test
    void shouldConcludeTheDefaults()
    {
        final RdmaContext ctx = new RdmaContext().conclude();
        assertEquals(4, ctx.readsInFlight());
        assertEquals(4 << 20, ctx.chunkBytes());
        assertInstanceOf(BackoffIdleStrategy.class, ctx.newIdleStrategy());
        assertInstanceOf(BusySpinIdleStrategy.class, new RdmaContext().idle("BUSY-SPIN").conclude().newIdleStrategy());
    }

    @Test
    void shouldRefuseBadSettingsWithBadConfig()
    {
        assertBad(new RdmaContext().idle("yield"), RdmaConfiguration.IDLE_PROP);
        assertBad(new RdmaContext().readsInFlight(0), RdmaConfiguration.READS_IN_FLIGHT_PROP);
        assertBad(new RdmaContext().chunkBytes(3 << 20), RdmaConfiguration.CHUNK_BYTES_PROP);
        assertBad(new RdmaContext().chunkBytes(4096), RdmaConfiguration.CHUNK_BYTES_PROP);
        assertBad(new RdmaContext().stagingBytes(1 << 20), RdmaConfiguration.STAGING_BYTES_PROP);
        assertBad(new RdmaContext().registeredBytes(-1), RdmaConfiguration.REGISTERED_BYTES_PROP);
        assertBad(new RdmaContext().resolveTimeoutMs(0), RdmaConfiguration.RESOLVE_TIMEOUT_MS_PROP);
    }

    private static void assertBad(final RdmaContext ctx, final String property)
    {
        final StarlingException ex = assertThrows(StarlingException.class, ctx::conclude);
        assertEquals(ErrorCode.BAD_CONFIG, ex.code());
        assertTrue(ex.getMessage().contains(property), ex.getMessage());
    }
}
