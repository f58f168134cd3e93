package dev.starling.perflab;

import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.Digest;
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

import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Committing a finished piece: {@link TaskHandle#commitPiece}, which sets the piece's bit and digest in the task's
 * record and writes the whole record back to the Chronicle Map index (an in-place replace of an equal-length value).
 * The task has 500 pieces (a record of about 16 KiB, the size the default layout aims at); the piece index rotates
 * through all of them, so after the first pass every commit is a re-commit, as after a resume.
 * <p>
 * fsync is off, so this is the index cost alone. Target: ≈ 0 B/op under {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IndexUpdateBenchmark
{
    /** Pieces in the benchmark task: {@link PieceLayout#TARGET_PIECE_COUNT}. */
    public static final int PIECE_COUNT = PieceLayout.TARGET_PIECE_COUNT;
    private static final int PIECE_BYTES = PieceLayout.MIN_OVERRIDE_PIECE_LENGTH;

    private Path dataDir;
    private PieceStore store;
    private TaskHandle handle;
    private final byte[] digest = new byte[Digest.SHA256_LENGTH_BYTES];
    private int pieceIndex;

    /**
     * Opens a store in a temporary data dir with one 500-piece task (sparse content file of 31.25 MiB).
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        dataDir = BenchStores.newDataDir();
        store = BenchStores.open(dataDir);
        handle = store.openTask(TaskId.ofUrl("http://bench/index-update", null, null),
            PieceLayout.of((long)PIECE_COUNT * PIECE_BYTES, PIECE_BYTES), null);
        ThreadLocalRandom.current().nextBytes(digest);
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
     * Commits the next piece.
     */
    @Benchmark
    public void commitPiece()
    {
        handle.commitPiece(pieceIndex, digest, 0);
        if (++pieceIndex == PIECE_COUNT)
        {
            pieceIndex = 0;
        }
    }
}
