package dev.starling.perflab;

import dev.starling.dataplane.scheduler.codec.DigestAlgorithm;
import dev.starling.dataplane.scheduler.codec.HostType;
import dev.starling.dataplane.scheduler.codec.MessageHeaderDecoder;
import dev.starling.dataplane.scheduler.codec.MessageHeaderEncoder;
import dev.starling.dataplane.scheduler.codec.ParentsDecoder;
import dev.starling.dataplane.scheduler.codec.ParentsEncoder;
import dev.starling.dataplane.scheduler.codec.PeerPiecesDecoder;
import dev.starling.dataplane.scheduler.codec.PeerPiecesEncoder;
import dev.starling.dataplane.scheduler.codec.PieceFinishedDecoder;
import dev.starling.dataplane.scheduler.codec.PieceFinishedEncoder;
import dev.starling.dataplane.scheduler.codec.PiecesAvailableDecoder;
import dev.starling.dataplane.scheduler.codec.PiecesAvailableEncoder;
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
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler protocol's SBE codecs alone, no logic and no Aeron: each op encodes one message into a direct
 * buffer the way its sender does and decodes every field back the way its receiver does, into reusable arrays.
 * <ul>
 *   <li>{@link #pieceFinished}: a peer's report of one verified piece (sent by {@code TaskSession}, read by
 *   {@code SchedulerMessageHandler}), the message {@code SchedulerBenchmark.pieceEvents} carries;</li>
 *   <li>{@link #piecesAvailable}: one batched {@code PiecesAvailable} of {@value #AVAILABLE_ENTRIES} entries (peer,
 *   piece, digest), written by the scheduler's flush, read by {@code SwarmDownload};</li>
 *   <li>{@link #peerPieces}: a candidate parent's bitmap of 500 pieces, written in place with
 *   {@link PieceBitmap#copyTo} as {@code SchedulerLogic} does, its set bits counted in place as
 *   {@code SwarmDownload} walks them;</li>
 *   <li>{@link #parents}: the ranking's answer, {@value #CANDIDATES} candidates with their addresses and the ETag.
 *   The addresses and ETag are read into byte arrays here; {@code SwarmDownload.onParents} reads them as
 *   {@code String}s (a copy per candidate per {@code Parents} message, which comes on registration and re-ranking,
 *   not per piece).</li>
 * </ul>
 * Fields change every op so nothing folds to a constant. Target: ≈ 0 B/op under {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SchedulerCodecBenchmark
{
    /** Entries of the benchmark's {@code PiecesAvailable}: one duty cycle's worth of piece events. */
    static final int AVAILABLE_ENTRIES = SchedulerBenchmark.BATCH;
    /** Candidates of the benchmark's {@code Parents}: {@code ParentEvaluator}'s top 8. */
    static final int CANDIDATES = 8;
    private static final int ID_LENGTH_BYTES = 32;
    private static final int PIECES = PieceLayout.TARGET_PIECE_COUNT;
    private static final int PIECE_INDEX_MASK = 511;
    private static final int BUFFER_BYTES = 64 * 1024;

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final PieceFinishedEncoder pieceFinishedEncoder = new PieceFinishedEncoder();
    private final PieceFinishedDecoder pieceFinishedDecoder = new PieceFinishedDecoder();
    private final PiecesAvailableEncoder availableEncoder = new PiecesAvailableEncoder();
    private final PiecesAvailableDecoder availableDecoder = new PiecesAvailableDecoder();
    private final PeerPiecesEncoder peerPiecesEncoder = new PeerPiecesEncoder();
    private final PeerPiecesDecoder peerPiecesDecoder = new PeerPiecesDecoder();
    private final ParentsEncoder parentsEncoder = new ParentsEncoder();
    private final ParentsDecoder parentsDecoder = new ParentsDecoder();

    private final byte[] taskId = new byte[ID_LENGTH_BYTES];
    private final byte[] digests = new byte[PIECES * ID_LENGTH_BYTES];
    private final byte[] decodedTaskId = new byte[ID_LENGTH_BYTES];
    private final byte[] decodedDigest = new byte[ID_LENGTH_BYTES];
    private final byte[] decodedText = new byte[256];
    private final byte[][] addresses = new byte[CANDIDATES][];
    private final byte[] etag = "\"5d41402abc4b2a76b9719d911017c592\"".getBytes(StandardCharsets.US_ASCII);
    private final PieceBitmap bitmap = new PieceBitmap(PIECES);
    private UnsafeBuffer buffer;
    private int pieceIndex;
    private long peerId = 1;

    /**
     * Allocates the message buffer and fills the ids, digests, addresses and the bitmap (about half set).
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(BUFFER_BYTES));
        final SplittableRandom random = new SplittableRandom(3);
        random.nextBytes(taskId);
        random.nextBytes(digests);
        for (int i = 0; i < CANDIDATES; i++)
        {
            addresses[i] = ("10.0." + i + "." + (100 + i)).getBytes(StandardCharsets.US_ASCII);
        }
        for (int i = 0; i < PIECES; i++)
        {
            if (random.nextBoolean())
            {
                bitmap.set(i);
            }
        }
    }

    private void next()
    {
        pieceIndex = (pieceIndex + 1) & PIECE_INDEX_MASK;
        peerId++;
    }

    /**
     * Encodes a {@code PieceFinished} and decodes it as the scheduler's message handler does.
     *
     * @param bh sink for the decoded fields.
     */
    @Benchmark
    public void pieceFinished(final Blackhole bh)
    {
        pieceFinishedEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .peerId(peerId)
            .putTaskId(taskId, 0, ID_LENGTH_BYTES)
            .pieceIndex(pieceIndex)
            .parentPeerId(peerId + 1)
            .costNs(1_000_000L + pieceIndex)
            .putDigest(digests, (pieceIndex % PIECES) * ID_LENGTH_BYTES, ID_LENGTH_BYTES);

        headerDecoder.wrap(buffer, 0);
        bh.consume(headerDecoder.templateId());
        final PieceFinishedDecoder d = pieceFinishedDecoder.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH,
            headerDecoder.blockLength(), headerDecoder.version());
        d.getTaskId(decodedTaskId, 0, ID_LENGTH_BYTES);
        d.getDigest(decodedDigest, 0, ID_LENGTH_BYTES);
        bh.consume(d.peerId());
        bh.consume(d.pieceIndex());
        bh.consume(d.parentPeerId());
        bh.consume(d.costNs());
        bh.consume(decodedTaskId);
        bh.consume(decodedDigest);
        next();
    }

    /**
     * Encodes a {@code PiecesAvailable} of {@value #AVAILABLE_ENTRIES} entries and decodes every entry.
     *
     * @param bh sink for the decoded fields.
     */
    @Benchmark
    public void piecesAvailable(final Blackhole bh)
    {
        availableEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder).putTaskId(taskId, 0, ID_LENGTH_BYTES);
        final PiecesAvailableEncoder.PiecesEncoder group = availableEncoder.piecesCount(AVAILABLE_ENTRIES);
        for (int e = 0; e < AVAILABLE_ENTRIES; e++)
        {
            final int piece = (pieceIndex + e) % PIECES;
            group.next().peerId(peerId + e).pieceIndex(piece)
                .putDigest(digests, piece * ID_LENGTH_BYTES, ID_LENGTH_BYTES);
        }

        availableDecoder.wrapAndApplyHeader(buffer, 0, headerDecoder);
        availableDecoder.getTaskId(decodedTaskId, 0, ID_LENGTH_BYTES);
        bh.consume(decodedTaskId);
        final PiecesAvailableDecoder.PiecesDecoder pieces = availableDecoder.pieces();
        while (pieces.hasNext())
        {
            pieces.next();
            bh.consume(pieces.pieceIndex());
            bh.consume(pieces.peerId());
            pieces.getDigest(decodedDigest, 0, ID_LENGTH_BYTES);
            bh.consume(decodedDigest);
        }
        next();
    }

    /**
     * Encodes a {@code PeerPieces} with the bitmap written in place and counts its set bits in place.
     *
     * @param bh sink for the decoded fields.
     * @return set bits read back.
     */
    @Benchmark
    public int peerPieces(final Blackhole bh)
    {
        peerPiecesEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .putTaskId(taskId, 0, ID_LENGTH_BYTES)
            .peerId(peerId);
        final int lengthAt = peerPiecesEncoder.limit();
        final int length = bitmap.copyTo(buffer, lengthAt + 4);
        buffer.putInt(lengthAt, length, ByteOrder.LITTLE_ENDIAN);
        peerPiecesEncoder.limit(lengthAt + 4 + length);

        peerPiecesDecoder.wrapAndApplyHeader(buffer, 0, headerDecoder);
        peerPiecesDecoder.getTaskId(decodedTaskId, 0, ID_LENGTH_BYTES);
        bh.consume(decodedTaskId);
        bh.consume(peerPiecesDecoder.peerId());
        final int bitmapLength = peerPiecesDecoder.bitmapLength();
        final int bitmapOffset = peerPiecesDecoder.limit() + 4;
        int held = 0;
        for (int piece = 0; piece < PIECES && (piece >>> 3) < bitmapLength; piece++)
        {
            if ((buffer.getByte(bitmapOffset + (piece >>> 3)) & (1 << (piece & 7))) != 0)
            {
                held++;
            }
        }
        peerPiecesDecoder.skipBitmap();
        next();
        return held;
    }

    /**
     * Encodes a {@code Parents} of {@value #CANDIDATES} candidates and decodes every field, the addresses and ETag
     * into a byte array.
     *
     * @param bh sink for the decoded fields.
     */
    @Benchmark
    public void parents(final Blackhole bh)
    {
        parentsEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .putTaskId(taskId, 0, ID_LENGTH_BYTES)
            .contentLength((long)PIECES * PieceLayout.MIN_PIECE_LENGTH)
            .pieceLength(PieceLayout.MIN_PIECE_LENGTH)
            .pieceCount(PIECES)
            .digestAlgorithm(DigestAlgorithm.SHA256);
        final ParentsEncoder.CandidatesEncoder group = parentsEncoder.candidatesCount(CANDIDATES);
        for (int i = 0; i < CANDIDATES; i++)
        {
            final byte[] address = addresses[i];
            group.next()
                .peerId(peerId + i)
                .piecePort(65000)
                .hostType(i == 0 ? HostType.SEED : HostType.NORMAL)
                .score(1000 - i - pieceIndex)
                .putAddress(address, 0, address.length);
        }
        parentsEncoder.putEtag(etag, 0, etag.length);

        parentsDecoder.wrapAndApplyHeader(buffer, 0, headerDecoder);
        parentsDecoder.getTaskId(decodedTaskId, 0, ID_LENGTH_BYTES);
        bh.consume(decodedTaskId);
        bh.consume(parentsDecoder.contentLength());
        bh.consume(parentsDecoder.pieceLength());
        bh.consume(parentsDecoder.pieceCount());
        bh.consume(parentsDecoder.digestAlgorithmRaw());
        final ParentsDecoder.CandidatesDecoder candidates = parentsDecoder.candidates();
        while (candidates.hasNext())
        {
            candidates.next();
            bh.consume(candidates.peerId());
            bh.consume(candidates.piecePort());
            bh.consume(candidates.hostTypeRaw());
            bh.consume(candidates.score());
            bh.consume(candidates.getAddress(decodedText, 0, decodedText.length));
        }
        bh.consume(parentsDecoder.getEtag(decodedText, 0, decodedText.length));
        next();
    }
}
