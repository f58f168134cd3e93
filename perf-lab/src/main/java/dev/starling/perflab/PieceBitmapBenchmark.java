package dev.starling.perflab;

import dev.starling.dataplane.store.TaskRecord;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.scheduler.swarm.PieceBitmap;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The piece bitmaps on the hot paths, one operation per benchmark, on a task of 500 pieces (the count the default
 * layout aims at):
 * <ul>
 *   <li>the scheduler's {@link PieceBitmap}: {@link #set} as {@code SchedulerLogic.onPieceFinished} marks a member's
 *   piece (and checks whether it is full), {@link #get} as the {@code PiecesAvailable} flush tests whether a member
 *   lacks a piece, {@link #nextClearBit} for the next missing piece, {@link #countAndNot} as
 *   {@code ParentEvaluator} compares a parent's pieces with a child's, and {@link #copyTo} as {@code PeerPieces}
 *   writes the wire form in place;</li>
 *   <li>the store's bits in {@link TaskRecord}: {@link #recordMarkFinished} as {@code TaskHandle.commitPiece} marks
 *   a piece (before the index write that {@link IndexUpdateBenchmark} measures) and {@link #recordIsFinished} as the
 *   piece server and the download's piece choice test one.</li>
 * </ul>
 * Piece indexes walk the task with a stride of {@value #STRIDE} (coprime with the piece count), so consecutive ops
 * touch different words. Target: ≈ 0 B/op under {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PieceBitmapBenchmark
{
    private static final int PIECES = PieceLayout.TARGET_PIECE_COUNT;
    private static final int STRIDE = 211;
    /** Bitmaps the comparisons rotate through (as the members of a swarm). */
    private static final int MEMBERS = 16;

    private final PieceBitmap filling = new PieceBitmap(PIECES);
    private final PieceBitmap held = new PieceBitmap(PIECES);
    private final PieceBitmap mostlyHeld = new PieceBitmap(PIECES);
    private final PieceBitmap[] members = new PieceBitmap[MEMBERS];
    private final TaskRecord record = new TaskRecord();
    private final byte[] digest = new byte[Digest.SHA256_LENGTH_BYTES];
    private UnsafeBuffer wire;
    private int piece;
    private int parent;
    private int child = MEMBERS / 2 + 1;

    /**
     * Fills the bitmaps at random: {@code held} and the members about half full, {@code mostlyHeld} about 7/8 full,
     * the record with every other piece finished.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        final SplittableRandom random = new SplittableRandom(11);
        for (int m = 0; m < MEMBERS; m++)
        {
            members[m] = new PieceBitmap(PIECES);
        }
        record.init(PIECES, (long)PIECES * PieceLayout.MIN_PIECE_LENGTH, PieceLayout.MIN_PIECE_LENGTH, false, 0);
        random.nextBytes(digest);
        for (int i = 0; i < PIECES; i++)
        {
            if (random.nextBoolean())
            {
                held.set(i);
            }
            if (random.nextInt(8) != 0)
            {
                mostlyHeld.set(i);
            }
            for (final PieceBitmap m : members)
            {
                if (random.nextBoolean())
                {
                    m.set(i);
                }
            }
            if ((i & 1) == 0)
            {
                record.markPieceFinished(i, digest, 0);
            }
        }
        wire = new UnsafeBuffer(ByteBuffer.allocateDirect(held.byteLength() + 64));
    }

    private int nextPiece()
    {
        final int p = piece + STRIDE;
        piece = p >= PIECES ? p - PIECES : p;
        return piece;
    }

    /**
     * Sets the next piece of a member's bitmap; a full bitmap is cleared, once every 500 ops.
     *
     * @return whether the bit was news.
     */
    @Benchmark
    public boolean set()
    {
        final boolean news = filling.set(nextPiece());
        if (filling.isFull())
        {
            filling.clear();
        }
        return news;
    }

    /**
     * Tests one piece of a half-full bitmap.
     *
     * @return whether it is held.
     */
    @Benchmark
    public boolean get()
    {
        return held.get(nextPiece());
    }

    /**
     * Finds the next missing piece at or after a piece of a bitmap that holds about 7/8 of them, wrapping to the
     * start when none is missing after it.
     *
     * @return the missing piece, or -1 when none.
     */
    @Benchmark
    public int nextClearBit()
    {
        final int missing = mostlyHeld.nextClearBit(nextPiece());
        return missing >= 0 ? missing : mostlyHeld.nextClearBit(0);
    }

    /**
     * Counts the pieces one member has that another lacks (the parent/child pair rotates).
     *
     * @return the count.
     */
    @Benchmark
    public int countAndNot()
    {
        parent = parent + 1 == MEMBERS ? 0 : parent + 1;
        child = child + 1 == MEMBERS ? 0 : child + 1;
        return members[parent].countAndNot(members[child]);
    }

    /**
     * Writes a half-full bitmap's wire form (63 bytes for 500 pieces) into a direct buffer.
     *
     * @return bytes written.
     */
    @Benchmark
    public int copyTo()
    {
        return members[nextPiece() & (MEMBERS - 1)].copyTo(wire, 4);
    }

    /**
     * Marks the next piece finished in a task record (its bit, its digest and the finished count).
     *
     * @return the finished count.
     */
    @Benchmark
    public int recordMarkFinished()
    {
        record.markPieceFinished(nextPiece(), digest, 0);
        return record.finishedCount();
    }

    /**
     * Tests one piece of a task record in which every other piece is finished.
     *
     * @return whether it is finished.
     */
    @Benchmark
    public boolean recordIsFinished()
    {
        return record.isPieceFinished(nextPiece());
    }
}
