package dev.starling.dataplane.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(60)
class DataplaneMetricsTest
{
    private static final int CALLS = 100_000;
    private static final long MAX_ALLOCATED_BYTES = 1024;

    private final DataplaneMetrics metrics = new DataplaneMetrics();

    @Test
    void shouldStartEveryByteAndPieceCounterAtZero() throws IOException
    {
        final List<String> lines = samples(metrics);

        for (final String source : new String[]{"origin", "peer", "served"})
        {
            assertTrue(lines.contains("starling_bytes_total{source=\"" + source + "\"} 0.0"), lines::toString);
            assertTrue(lines.contains("starling_pieces_total{source=\"" + source + "\"} 0.0"), lines::toString);
        }
    }

    @Test
    void shouldCountOriginBytes() throws IOException
    {
        metrics.onOriginBytes(1000);
        metrics.onOriginBytes(234);

        assertTrue(samples(metrics).contains("starling_bytes_total{source=\"origin\"} 1234.0"));
    }

    @Test
    void shouldCountPeerBytes() throws IOException
    {
        metrics.onPeerBytes(4L << 30);

        assertTrue(samples(metrics).contains("starling_bytes_total{source=\"peer\"} 4.294967296E9"));
    }

    @Test
    void shouldCountServedBytes() throws IOException
    {
        metrics.onServedBytes(77);

        final List<String> lines = samples(metrics);
        assertTrue(lines.contains("starling_bytes_total{source=\"served\"} 77.0"), lines::toString);
        assertTrue(lines.contains("starling_bytes_total{source=\"origin\"} 0.0"), lines::toString);
    }

    @Test
    void shouldCountPiecesBySource() throws IOException
    {
        metrics.onOriginPiece();
        metrics.onPeerPiece();
        metrics.onPeerPiece();
        metrics.onServedPiece();
        metrics.onServedPiece();
        metrics.onServedPiece();

        final List<String> lines = samples(metrics);
        assertTrue(lines.contains("starling_pieces_total{source=\"origin\"} 1.0"), lines::toString);
        assertTrue(lines.contains("starling_pieces_total{source=\"peer\"} 2.0"), lines::toString);
        assertTrue(lines.contains("starling_pieces_total{source=\"served\"} 3.0"), lines::toString);
    }

    @Test
    void shouldRejectNegativeByteCount()
    {
        assertThrows(IllegalArgumentException.class, () -> metrics.onOriginBytes(-1));
    }

    @Test
    void shouldCountErrorsByCode() throws IOException
    {
        metrics.onError("PEER_FAILED");
        metrics.onError("PEER_FAILED");
        metrics.onError("ORIGIN_ERROR");

        final List<String> lines = samples(metrics);
        assertTrue(lines.contains("starling_errors_total{code=\"PEER_FAILED\"} 2.0"), lines::toString);
        assertTrue(lines.contains("starling_errors_total{code=\"ORIGIN_ERROR\"} 1.0"), lines::toString);
    }

    @Test
    void shouldCountPeerRefusalsByAnswerAndNotAsErrors() throws IOException
    {
        metrics.onPeerRefusal(true);
        metrics.onPeerRefusal(true);
        metrics.onPeerRefusal(false);

        final List<String> lines = samples(metrics);
        assertTrue(lines.contains("starling_peer_refusals_total{status=\"busy\"} 2.0"), lines::toString);
        assertTrue(lines.contains("starling_peer_refusals_total{status=\"not_available\"} 1.0"), lines::toString);
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("starling_errors_total{")), lines::toString);
    }

    @Test
    void shouldShowOnlyTheTransportInUse() throws IOException
    {
        metrics.transportInUse("tcp-io-uring");
        metrics.transportInUse("tcp-epoll");

        final List<String> lines = samples(metrics);
        assertTrue(lines.contains("starling_transport_info{transport=\"tcp-epoll\"} 1"), lines::toString);
        assertFalse(lines.stream().anyMatch(l -> l.contains("tcp-io-uring")), lines::toString);
    }

    @Test
    void shouldCountTransportFallbacks() throws IOException
    {
        metrics.onTransportFallback();
        metrics.onTransportFallback();

        assertTrue(samples(metrics).contains("starling_transport_fallbacks_total 2.0"));
    }

    @Test
    void shouldSetTasksByState() throws IOException
    {
        metrics.tasks(5, 9);
        metrics.tasks(3, 11);

        final List<String> lines = samples(metrics);
        assertTrue(lines.contains("starling_tasks{state=\"downloading\"} 3.0"), lines::toString);
        assertTrue(lines.contains("starling_tasks{state=\"complete\"} 11.0"), lines::toString);
    }

    @Test
    void shouldKeepEachInstanceInItsOwnRegistry() throws IOException
    {
        final DataplaneMetrics other = new DataplaneMetrics();

        metrics.onOriginBytes(10);

        assertNotSame(metrics.registry(), other.registry());
        assertTrue(samples(other).contains("starling_bytes_total{source=\"origin\"} 0.0"));
    }

    @Test
    void shouldNotAllocateWhenCountingBytesAndPieces()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
            "per-thread allocation accounting is not available on this JVM");

        for (int round = 0; round < 20; round++)
        {
            countBytesAndPieces(CALLS);
        }
        threads.getCurrentThreadAllocatedBytes();

        final long before = threads.getCurrentThreadAllocatedBytes();
        countBytesAndPieces(CALLS);
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(allocated < MAX_ALLOCATED_BYTES,
            allocated + " bytes allocated over " + CALLS + " rounds of the six per-piece methods");
    }

    private void countBytesAndPieces(final int calls)
    {
        for (int i = 0; i < calls; i++)
        {
            metrics.onOriginBytes(i);
            metrics.onPeerBytes(i);
            metrics.onServedBytes(i);
            metrics.onOriginPiece();
            metrics.onPeerPiece();
            metrics.onServedPiece();
        }
    }

    /**
     * @return the sample lines (no HELP or TYPE comments) of the registry in Prometheus text format.
     */
    static List<String> samples(final DataplaneMetrics metrics) throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return Arrays.stream(out.toString(StandardCharsets.UTF_8).split("\n"))
            .filter(line -> !line.startsWith("#"))
            .collect(Collectors.toList());
    }
}
