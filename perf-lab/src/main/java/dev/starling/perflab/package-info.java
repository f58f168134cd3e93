/**
 * JMH benchmarks of Starling's hot paths: the piece protocol's codec and a loopback round trip per transport engine,
 * the scheduler's message codecs, piece events and parent ranking, the piece bitmaps, the store's write, index
 * update and read, and the per-piece digest.
 * <p>
 * Each benchmark owns its state for the trial (a temporary data dir under {@code java.io.tmpdir}, deleted in
 * {@code @TearDown}; transports and servers closed there). Benchmarks whose tail matters record each op's latency in
 * a {@link dev.starling.perflab.LatencyRecorder} and print its percentiles at the end of the trial. Run them through
 * {@code perf-lab/run}, which passes the project's JVM flags to the host JVM and to every fork, or all of them with
 * {@code perf-lab/suite}; results and the commands that produced them go in {@code perf-lab/RESULTS.md}.
 */
package dev.starling.perflab;
