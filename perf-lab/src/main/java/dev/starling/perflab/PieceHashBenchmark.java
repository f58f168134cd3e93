package dev.starling.perflab;

import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceDigest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The per-piece digest a download computes as bytes arrive, with the {@link PieceDigest.Hasher} that
 * {@code PieceFetch} uses: reset, one update over a 4 MiB direct buffer (the smallest default piece), and the digest
 * into a reused array. {@link #algorithm} is the {@code --piece-digest} setting: SHA-256 (the default) or CRC32C.
 * <p>
 * One op digests one 4 MiB piece, so MiB/s = ops/s × 4. This is context for download speed: one core digesting at
 * this rate caps what one download coordinator can verify. Target: ≈ 0 B/op; no throughput target.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PieceHashBenchmark
{
    /** Bytes digested per op: {@link dev.starling.dataplane.task.PieceLayout#MIN_PIECE_LENGTH}. */
    public static final int PIECE_BYTES = 4 * 1024 * 1024;

    /** The piece digest algorithm, as {@link PieceDigest} names it. */
    @Param({"SHA256", "CRC32C"})
    public PieceDigest algorithm;

    private final byte[] pieceDigest = new byte[Digest.SHA256_LENGTH_BYTES];
    private PieceDigest.Hasher hasher;
    private ByteBuffer piece;

    /**
     * Makes the hasher and fills the piece with random bytes.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        hasher = algorithm.newHasher();
        piece = ByteBuffer.allocateDirect(PIECE_BYTES);
        final byte[] random = new byte[PIECE_BYTES];
        ThreadLocalRandom.current().nextBytes(random);
        piece.put(random).flip();
    }

    /**
     * Digests the whole piece.
     *
     * @return the digest array, so the work cannot be eliminated.
     */
    @Benchmark
    public byte[] hashPiece()
    {
        hasher.reset();
        hasher.update(piece.clear());
        hasher.finish(pieceDigest, 0);
        return pieceDigest;
    }
}
