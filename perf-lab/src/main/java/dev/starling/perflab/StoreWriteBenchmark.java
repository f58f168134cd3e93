package dev.starling.perflab;

import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.task.TaskId;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The store's per-piece write path: {@link TaskHandle#write} of one 64 KiB chunk from a direct buffer (as a network
 * read hands it over) into a task's content file, at an offset that walks through a 64 MiB task of 1 MiB pieces.
 * <p>
 * One op is one 64 KiB positional write to the page cache (fsync off), so bytes per second = ops/s × 65,536.
 * Target: ≈ 0 B/op under {@code -prof gc} (the write path allocates nothing per chunk); throughput is context,
 * bounded by the kernel's copy into the page cache.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StoreWriteBenchmark
{
    /** Bytes per write: a typical network read. */
    public static final int CHUNK_BYTES = 64 * 1024;
    private static final long CONTENT_BYTES = 64L * 1024 * 1024;
    private static final int PIECE_BYTES = 1024 * 1024;

    private Path dataDir;
    private PieceStore store;
    private TaskHandle handle;
    private ByteBuffer chunk;
    private long offset;

    /**
     * Opens a store in a temporary data dir with one task, and fills the chunk with random bytes.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        dataDir = BenchStores.newDataDir();
        store = BenchStores.open(dataDir);
        handle = store.openTask(TaskId.ofUrl("http://bench/store-write", null, null),
            PieceLayout.of(CONTENT_BYTES, PIECE_BYTES), null);
        chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
        final byte[] random = new byte[CHUNK_BYTES];
        ThreadLocalRandom.current().nextBytes(random);
        chunk.put(random).flip();
    }

    /**
     * Closes the task and the store and deletes the data dir.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        BenchStores.closeAndDelete(dataDir, handle, store);
    }

    /**
     * Writes one chunk at the next offset, wrapping at the end of the content.
     */
    @Benchmark
    public void writeChunk()
    {
        handle.write(offset, chunk.clear());
        offset += CHUNK_BYTES;
        if (offset == CONTENT_BYTES)
        {
            offset = 0;
        }
    }
}
