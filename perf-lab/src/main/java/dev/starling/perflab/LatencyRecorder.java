package dev.starling.perflab;

import org.HdrHistogram.Histogram;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * An HdrHistogram of per-op latencies for a benchmark whose mean would hide the tail, and the one line that reports
 * it at the end of a trial. Only measurement iterations are kept: the histogram starts afresh at the first of them.
 * <p>
 * The line has a fixed form that {@code perf-lab/suite} collects from the run's output:
 * <pre>
 * latency dev.starling.perflab.SchedulerBenchmark.rankParents peers=8: 1234 samples, p50 0.33 us, p90 0.41 us,
 *     p99 0.54 us, p99.9 0.74 us, max 1390.00 us
 * </pre>
 * (on one line). {@link #record} allocates nothing; values above {@link #HIGHEST_TRACKABLE_NS} count as that.
 * Owned by the benchmark thread.
 */
final class LatencyRecorder
{
    /** Longest latency kept apart: one second (a descheduled thread can exceed it; it is clamped). */
    static final long HIGHEST_TRACKABLE_NS = TimeUnit.SECONDS.toNanos(1);
    private static final int SIGNIFICANT_DIGITS = 3;
    private static final double NS_PER_US = 1e3;

    private final Histogram histogram = new Histogram(HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS);
    private boolean measuring;

    /**
     * @param latencyNs one op's latency.
     */
    void record(final long latencyNs)
    {
        histogram.recordValue(Math.min(Math.max(latencyNs, 0), HIGHEST_TRACKABLE_NS));
    }

    /**
     * Call from a {@code @Setup(Level.Iteration)}: forgets the warm-up when the first measurement iteration starts.
     *
     * @param iteration the iteration about to run.
     */
    void onIteration(final IterationParams iteration)
    {
        if (!measuring && iteration.getType() == IterationType.MEASUREMENT)
        {
            measuring = true;
            histogram.reset();
        }
    }

    /**
     * Call from a {@code @TearDown(Level.Trial)}: prints the report line when anything was recorded.
     *
     * @param benchmark the trial's parameters (benchmark name and {@code @Param} values).
     */
    void report(final BenchmarkParams benchmark)
    {
        if (histogram.getTotalCount() == 0)
        {
            return;
        }
        final StringBuilder params = new StringBuilder();
        for (final String key : benchmark.getParamsKeys())
        {
            params.append(' ').append(key).append('=').append(benchmark.getParam(key));
        }
        System.out.println();
        System.out.println(String.format(Locale.ROOT,
            "latency %s%s: %d samples, p50 %.2f us, p90 %.2f us, p99 %.2f us, p99.9 %.2f us, max %.2f us",
            benchmark.getBenchmark(), params, histogram.getTotalCount(), percentileUs(50), percentileUs(90),
            percentileUs(99), percentileUs(99.9), histogram.getMaxValue() / NS_PER_US));
        System.out.flush();
    }

    private double percentileUs(final double percentile)
    {
        return histogram.getValueAtPercentile(percentile) / NS_PER_US;
    }
}
