package dev.starling.perflab;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.store.FsyncPolicy;
import dev.starling.dataplane.store.PieceStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Temporary data dirs for the benchmarks: a fresh {@link PieceStore} in a new directory under
 * {@code java.io.tmpdir}, and its removal afterwards.
 */
final class BenchStores
{
    /** Quota for a benchmark store: far above what any benchmark writes, so eviction never runs. */
    static final long QUOTA_BYTES = 1L << 30;
    /** Tasks the benchmark index is sized for. */
    static final long INDEX_MAX_TASKS = 1024;

    private BenchStores()
    {
    }

    /**
     * @return a new, empty directory under {@code java.io.tmpdir}; caller deletes it with {@link #deleteTree}.
     */
    static Path newDataDir()
    {
        try
        {
            return Files.createTempDirectory("starling-perf-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Opens a store in {@code dataDir} with no fsync, so the benchmarks measure the code path, not the disk.
     *
     * @param dataDir directory from {@link #newDataDir()}.
     * @return the open store; caller closes it.
     */
    static PieceStore open(final Path dataDir)
    {
        return PieceStore.open(new DataplaneContext()
            .dataDir(dataDir)
            .quotaBytes(QUOTA_BYTES)
            .indexMaxTasks(INDEX_MAX_TASKS)
            .fsyncPolicy(FsyncPolicy.NONE)
            .conclude());
    }

    /**
     * A trial's teardown: closes each resource that is not null, in the order given (the task before its store), then
     * deletes the data dir even when a close failed.
     *
     * @param dataDir   the trial's data dir, or null.
     * @param resources what the trial opened, in closing order; nulls are skipped.
     */
    static void closeAndDelete(final Path dataDir, final AutoCloseable... resources)
    {
        try
        {
            for (final AutoCloseable r : resources)
            {
                if (r != null)
                {
                    r.close();
                }
            }
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("closing a benchmark's store: " + ex, ex);
        }
        finally
        {
            deleteTree(dataDir);
        }
    }

    /**
     * Deletes a directory and everything under it; does nothing when it is null or gone.
     *
     * @param dir directory.
     */
    static void deleteTree(final Path dir)
    {
        if (dir == null || !Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path p : (Iterable<Path>)paths.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(p);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
