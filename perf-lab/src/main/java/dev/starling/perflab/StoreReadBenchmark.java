package dev.starling.perflab;

import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.peer.StorePieceSource;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.task.TaskId;
import dev.starling.dataplane.transport.PieceRegion;
import dev.starling.dataplane.transport.PieceStatus;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Reading a finished piece back out of the store, as the piece server does for every request a peer makes.
 * <p>
 * {@link #lookupPiece} is {@link StorePieceSource#lookup}: the per-thread probe key, the open-task map, the piece's
 * bit and digest read from the record under an acquire fence, the {@link PieceRegion} filled in and the served-piece
 * metrics counted. The server then hands the region to the transport, which sends it by sendfile or splice (measured
 * end to end by {@link PieceRoundTripBenchmark}). {@link #readPiece} adds the bytes: the same lookup followed by a
 * positional {@link FileChannel#read(ByteBuffer, long)} of the whole 1 MiB piece into a direct buffer, the cost of any
 * path that needs the piece in user space (a copy from the page cache; fsync is off and the 64 MiB task stays
 * cached after the first pass).
 * <p>
 * The task is 64 pieces of 1 MiB, every piece written and committed; piece indexes rotate. Target: ≈ 0 B/op under
 * {@code -prof gc}. {@code readPiece}: MiB/s = ops/s.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@BenchmarkMode(Mode.AverageTime)
public class StoreReadBenchmark
{
    private static final int PIECE_BYTES = 1024 * 1024;
    private static final int PIECES = 64;

    private final PieceRegion region = new PieceRegion();
    private Path dataDir;
    private PieceStore store;
    private TaskHandle handle;
    private StorePieceSource source;
    private byte[] taskId;
    private ByteBuffer pieceBuffer;
    private int pieceIndex;

    /**
     * Opens a store in a temporary data dir, writes and commits every piece of one task, and opens the piece source
     * over it (the first lookup opens the task for serving, as a peer's first request does).
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        dataDir = BenchStores.newDataDir();
        store = BenchStores.open(dataDir);
        final TaskId id = TaskId.ofUrl("http://bench/store-read", null, null);
        handle = store.openTask(id, PieceLayout.of((long)PIECES * PIECE_BYTES, PIECE_BYTES), null);
        pieceBuffer = ByteBuffer.allocateDirect(PIECE_BYTES);
        final byte[] random = new byte[PIECE_BYTES];
        final byte[] digest = new byte[Digest.SHA256_LENGTH_BYTES];
        for (int i = 0; i < PIECES; i++)
        {
            ThreadLocalRandom.current().nextBytes(random);
            handle.write((long)i * PIECE_BYTES, pieceBuffer.clear().put(random).flip());
            ThreadLocalRandom.current().nextBytes(digest);
            handle.commitPiece(i, digest, 0);
        }
        taskId = id.toBytes();
        source = new StorePieceSource(store, new DataplaneMetrics());
        if (source.lookup(taskId, 0, region) != PieceStatus.OK)
        {
            throw new IllegalStateException("the store does not serve its own task");
        }
    }

    /**
     * Closes the source, the task and the store and deletes the data dir.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        BenchStores.closeAndDelete(dataDir, source, handle, store);
    }

    private int nextPiece()
    {
        final int p = pieceIndex;
        pieceIndex = p + 1 == PIECES ? 0 : p + 1;
        return p;
    }

    /**
     * Looks up the next piece as the piece server does for a request.
     *
     * @return the region, so the lookup cannot be eliminated.
     */
    @Benchmark
    public PieceRegion lookupPiece()
    {
        if (source.lookup(taskId, nextPiece(), region) != PieceStatus.OK)
        {
            throw new IllegalStateException("piece not served");
        }
        return region;
    }

    /**
     * Looks up the next piece and reads all of its bytes into a direct buffer.
     *
     * @return bytes read.
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public int readPiece()
    {
        if (source.lookup(taskId, nextPiece(), region) != PieceStatus.OK)
        {
            throw new IllegalStateException("piece not served");
        }
        final ByteBuffer dst = pieceBuffer.clear().limit(region.length());
        final FileChannel channel = region.channel();
        long position = region.fileOffset();
        try
        {
            while (dst.hasRemaining())
            {
                final int n = channel.read(dst, position);
                if (n < 0)
                {
                    throw new IllegalStateException("piece ends early at " + position);
                }
                position += n;
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return dst.position();
    }
}
