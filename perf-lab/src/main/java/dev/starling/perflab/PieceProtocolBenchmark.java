package dev.starling.perflab;

import dev.starling.dataplane.transport.PieceProtocol;
import dev.starling.dataplane.transport.PieceStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The piece protocol's codec alone, no I/O: a REQUEST frame and a RESPONSE head written with {@link PieceProtocol}
 * into one pooled direct buffer (cleared every op, as a connection reuses its outbound buffers) and every field read
 * back in place, as {@code PieceServerHandler} and {@code PieceClientHandler} read them. The request id and piece
 * index change every op so nothing folds to a constant.
 * <p>
 * The body fields have no readers in {@link PieceProtocol}; they are read at the offsets in
 * {@code docs/piece-protocol.md}. Target: ≈ 0 B/op under {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PieceProtocolBenchmark
{
    private static final int ID_LENGTH_BYTES = 32;
    private static final int REQUEST_TASK_ID_OFFSET = PieceProtocol.HEADER_LENGTH;
    private static final int REQUEST_PIECE_INDEX_OFFSET = PieceProtocol.HEADER_LENGTH + ID_LENGTH_BYTES;
    private static final int RESPONSE_STATUS_OFFSET = PieceProtocol.HEADER_LENGTH;
    private static final int RESPONSE_PIECE_INDEX_OFFSET = PieceProtocol.HEADER_LENGTH + 4;
    private static final int RESPONSE_DIGEST_OFFSET = PieceProtocol.HEADER_LENGTH + 8;
    /** Piece length written in the response head: 4 MiB, the smallest default piece. */
    private static final int PIECE_LENGTH_BYTES = 4 * 1024 * 1024;
    /** Piece indexes rotate below this (a 4 GiB task of 4 MiB pieces). */
    private static final int PIECE_INDEX_MASK = 1023;

    private final byte[] taskId = new byte[ID_LENGTH_BYTES];
    private final byte[] digest = new byte[ID_LENGTH_BYTES];
    private final byte[] decodedTaskId = new byte[ID_LENGTH_BYTES];
    private final byte[] decodedDigest = new byte[ID_LENGTH_BYTES];
    private ByteBuf frame;
    private int requestId;
    private int pieceIndex;

    /**
     * Takes the frame buffer from Netty's pooled allocator and fills the task id and digest with random bytes.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        frame = PooledByteBufAllocator.DEFAULT.directBuffer(
            PieceProtocol.HEADER_LENGTH + PieceProtocol.RESPONSE_PREFIX_LENGTH);
        ThreadLocalRandom.current().nextBytes(taskId);
        ThreadLocalRandom.current().nextBytes(digest);
    }

    /**
     * Returns the frame buffer to the pool.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        if (frame != null)
        {
            frame.release();
            frame = null;
        }
    }

    /**
     * Writes a REQUEST frame and reads back version, type, request id, body length, task id and piece index.
     *
     * @param bh sink for the decoded fields.
     */
    @Benchmark
    public void request(final Blackhole bh)
    {
        final ByteBuf buf = frame.clear();
        PieceProtocol.writeRequest(buf, requestId, taskId, pieceIndex);

        final int at = buf.readerIndex();
        bh.consume(PieceProtocol.version(buf, at));
        bh.consume(PieceProtocol.type(buf, at));
        bh.consume(PieceProtocol.requestId(buf, at));
        bh.consume(PieceProtocol.bodyLength(buf, at));
        buf.getBytes(at + REQUEST_TASK_ID_OFFSET, decodedTaskId);
        bh.consume(decodedTaskId);
        bh.consume(buf.getInt(at + REQUEST_PIECE_INDEX_OFFSET));

        next();
    }

    /**
     * Writes an OK RESPONSE head and reads back version, type, request id, body length, status, piece index and
     * digest.
     *
     * @param bh sink for the decoded fields.
     */
    @Benchmark
    public void responseHead(final Blackhole bh)
    {
        final ByteBuf buf = frame.clear();
        PieceProtocol.writeResponseHead(buf, requestId, PieceStatus.OK, pieceIndex, digest, PIECE_LENGTH_BYTES);

        final int at = buf.readerIndex();
        bh.consume(PieceProtocol.version(buf, at));
        bh.consume(PieceProtocol.type(buf, at));
        bh.consume(PieceProtocol.requestId(buf, at));
        bh.consume(PieceProtocol.bodyLength(buf, at));
        bh.consume(PieceStatus.of(buf.getUnsignedByte(at + RESPONSE_STATUS_OFFSET)));
        bh.consume(buf.getInt(at + RESPONSE_PIECE_INDEX_OFFSET));
        buf.getBytes(at + RESPONSE_DIGEST_OFFSET, decodedDigest);
        bh.consume(decodedDigest);

        next();
    }

    private void next()
    {
        requestId++;
        pieceIndex = (pieceIndex + 1) & PIECE_INDEX_MASK;
    }
}
