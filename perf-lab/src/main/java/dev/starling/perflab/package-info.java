/**
 * JMH benchmarks of the dataplane's hot paths: the store's per-piece write, the index update that commits a
 * piece, and the per-piece SHA-256.
 * <p>
 * Each benchmark owns its state for the trial (a temporary data dir under {@code java.io.tmpdir}, deleted in
 * {@code @TearDown}). Run them through {@code perf-lab/run}, which passes the project's JVM flags to the host JVM
 * and to every fork; results and the commands that produced them go in {@code perf-lab/RESULTS.md}.
 */
package dev.starling.perflab;
