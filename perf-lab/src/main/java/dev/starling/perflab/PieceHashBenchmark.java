package dev.starling.perflab;

import dev.starling.dataplane.task.Digest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The per-piece SHA-256 a download computes as bytes arrive: {@link MessageDigest#update(ByteBuffer)} over a 4 MiB
 * direct buffer (the smallest default piece) and the final digest into a reused array, as {@code PieceFetch} does.
 * <p>
 * One op hashes one 4 MiB piece, so MiB/s = ops/s × 4. This is context for download speed: one core hashing at this
 * rate caps what one download coordinator can verify. Target: ≈ 0 B/op; no throughput target.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PieceHashBenchmark
{
    /** Bytes hashed per op: {@link dev.starling.dataplane.task.PieceLayout#MIN_PIECE_LENGTH}. */
    public static final int PIECE_BYTES = 4 * 1024 * 1024;

    private final MessageDigest sha256 = Digest.newSha256();
    private final byte[] pieceDigest = new byte[Digest.SHA256_LENGTH_BYTES];
    private ByteBuffer piece;

    /**
     * Fills the piece with random bytes.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        piece = ByteBuffer.allocateDirect(PIECE_BYTES);
        final byte[] random = new byte[PIECE_BYTES];
        ThreadLocalRandom.current().nextBytes(random);
        piece.put(random).flip();
    }

    /**
     * Hashes the whole piece.
     *
     * @return the digest array, so the work cannot be eliminated.
     * @throws DigestException never: the array holds a SHA-256 digest.
     */
    @Benchmark
    public byte[] hashPiece() throws DigestException
    {
        sha256.update(piece.clear());
        sha256.digest(pieceDigest, 0, Digest.SHA256_LENGTH_BYTES);
        return pieceDigest;
    }
}
