package dev.starling.scheduler;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulerContextTest
{
    @Test
    void shouldConcludeTheDefaults()
    {
        final SchedulerContext ctx = new SchedulerContext().conclude();

        assertEquals(8002, ctx.listenAddress().getPort());
        assertEquals(10_000, ctx.peerTimeoutMs());
        assertEquals(2, ctx.maxBackToSource());
        assertEquals(8, ctx.candidateParents());
        assertEquals(5_000, ctx.aeronLivenessMs());
        assertEquals(Path.of(System.getProperty("java.io.tmpdir"), "starling-scheduler-8002").toAbsolutePath(),
            ctx.aeronDir());
        assertTrue(ctx.isConcluded());
    }

    @Test
    void shouldRejectBadValuesNamingTheSetting()
    {
        assertBad("listen", new SchedulerContext().listen("nohost"));
        assertBad("peer-timeout", new SchedulerContext().peerTimeoutMs(0));
        assertBad("max-back-to-source", new SchedulerContext().maxBackToSource(0));
        assertBad("candidate-parents", new SchedulerContext().candidateParents(0));
        assertBad("aeron-liveness", new SchedulerContext().aeronLivenessMs(10));
        assertBad("threading", new SchedulerContext().aeronThreading("many"));
    }

    private static void assertBad(final String setting, final SchedulerContext ctx)
    {
        final StarlingException ex = assertThrows(StarlingException.class, ctx::conclude);
        assertEquals(ErrorCode.BAD_CONFIG, ex.code());
        assertTrue(ex.getMessage().contains(setting), ex.getMessage());
    }
}
