package dev.starling.perflab;

import dev.starling.dataplane.scheduler.codec.DigestAlgorithm;
import dev.starling.dataplane.scheduler.codec.MessageHeaderEncoder;
import dev.starling.dataplane.scheduler.codec.PieceFinishedEncoder;
import dev.starling.scheduler.RecordingReplySender;
import dev.starling.scheduler.SchedulerCounters;
import dev.starling.scheduler.SchedulerLogic;
import dev.starling.scheduler.SchedulerMessageHandler;
import dev.starling.scheduler.swarm.Member;
import dev.starling.scheduler.swarm.ParentEvaluator;
import dev.starling.scheduler.swarm.SwarmRegistry;
import dev.starling.scheduler.swarm.TaskSwarm;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler's hot path without Aeron: {@code PieceFinished} messages, pre-encoded in one buffer as peers would
 * send them, decoded by {@link SchedulerMessageHandler} and applied by {@link SchedulerLogic} (bitmap, digest trust,
 * upload statistics, a {@code PiecesAvailable} entry), with the batched {@code PiecesAvailable} encoded for every
 * downloading member at the end of each duty cycle of {@value #BATCH} messages, as the agent does. Replies go to a
 * counting {@link RecordingReplySender}. One round is every peer finishing every piece, each peer starting at its
 * own slice, so a piece event is news to most members and the flush encodes an entry for each of them; the swarm's
 * pieces are forgotten between rounds (not the digests), so every round does the same work.
 * <p>
 * {@link #rankParents} is the one decision: {@link ParentEvaluator#rank} for a child in a swarm whose members hold
 * random halves of the pieces and have different piece costs; each call's latency goes into an HdrHistogram
 * ({@link LatencyRecorder}, measurement iterations only) whose percentiles are printed at the end of the trial.
 * Targets: at least 1,000,000 piece events/s on one core, p99 at most 50 µs, and ≈ 0 B/op under {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SchedulerBenchmark
{
    /** Messages per duty cycle: {@code SchedulerAgent.FRAGMENT_LIMIT}. */
    static final int BATCH = 64;
    private static final int PIECES = 500;
    private static final int PIECE_LENGTH = 4 << 20;
    private static final long NOW_MS = 1_000_000;

    @Param({"8", "64"})
    int peers;

    private final RecordingReplySender sender = new RecordingReplySender(false);
    private SchedulerLogic logic;
    private SchedulerMessageHandler handler;
    private ParentEvaluator evaluator;
    private TaskSwarm swarm;
    private TaskSwarm rankSwarm;
    private UnsafeBuffer messages;
    private int messageLength;
    private int messageCount;
    private int cursor;
    private int child;
    private final LatencyRecorder decisionNs = new LatencyRecorder();

    /**
     * Registers the hosts and the task, encodes one round of {@code PieceFinished}, and builds the ranking swarm.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        final SwarmRegistry registry = new SwarmRegistry();
        evaluator = new ParentEvaluator();
        logic = new SchedulerLogic(registry, evaluator, sender, new SchedulerCounters(), 2, 10_000, 1_000, NOW_MS);
        handler = new SchedulerMessageHandler(logic);
        final byte[] taskId = new byte[32];
        new SplittableRandom(1).nextBytes(taskId);
        for (int p = 1; p <= peers; p++)
        {
            logic.onRegisterHost(p, 65000, 8, false, p, "10.0.0." + p, "z" + (p % 2), "r" + (p % 4), "aeron:ipc", "");
            logic.onRegisterTask(p, taskId, (long)PIECES * PIECE_LENGTH, PIECE_LENGTH, PIECES,
                DigestAlgorithm.SHA256.value(), true, "http://origin/blob", "\"e\"");
        }
        swarm = registry.task(taskId);

        final MessageHeaderEncoder header = new MessageHeaderEncoder();
        final PieceFinishedEncoder encoder = new PieceFinishedEncoder();
        messageLength = MessageHeaderEncoder.ENCODED_LENGTH + PieceFinishedEncoder.BLOCK_LENGTH;
        messageCount = peers * PIECES;
        messages = new UnsafeBuffer(ByteBuffer.allocateDirect(messageCount * messageLength));
        // Each peer fetches its own slice of the pieces from the origin and then the rest from their owners, each
        // starting at its slice: at any moment the peers hold different pieces, so nearly every event is news to
        // most members and the batched PiecesAvailable carries it to them.
        final int[] offsets = new int[peers + 1];
        final int[] owner = new int[PIECES];
        for (int i = 0; i <= peers; i++)
        {
            offsets[i] = i * PIECES / peers;
        }
        for (int i = 0; i < peers; i++)
        {
            for (int piece = offsets[i]; piece < offsets[i + 1]; piece++)
            {
                owner[piece] = i;
            }
        }
        final byte[] digest = new byte[32];
        int offset = 0;
        for (int step = 0; step < PIECES; step++)
        {
            for (int i = 0; i < peers; i++)
            {
                final int piece = (offsets[i] + step) % PIECES;
                digest[0] = (byte)piece;
                digest[1] = (byte)(piece >> 8);
                encoder.wrapAndApplyHeader(messages, offset, header)
                    .peerId(i + 1)
                    .putTaskId(taskId, 0, 32)
                    .pieceIndex(piece)
                    .parentPeerId(owner[piece] == i ? 0 : owner[piece] + 1)
                    .costNs(1_000_000 + i * 1_000L)
                    .putDigest(digest, 0, 32);
                offset += messageLength;
            }
        }
        logic.doWork(NOW_MS);

        rankSwarm = buildRankSwarm(registry);
    }

    private TaskSwarm buildRankSwarm(final SwarmRegistry registry)
    {
        final byte[] rankTaskId = new byte[32];
        rankTaskId[0] = 42;
        final TaskSwarm s = registry.addTask(rankTaskId, "http://origin/rank");
        s.layout((long)PIECES * PIECE_LENGTH, PIECE_LENGTH, PIECES, DigestAlgorithm.SHA256.value(), "");
        final SplittableRandom random = new SplittableRandom(7);
        for (int p = 1; p <= peers; p++)
        {
            final Member m = registry.join(s, registry.host(p));
            for (int i = 0; i < PIECES; i++)
            {
                if (random.nextBoolean())
                {
                    m.pieces().set(i);
                }
            }
            m.host().onUpload(1_000_000 + random.nextInt(3_000_000));
            if (random.nextInt(8) == 0)
            {
                m.host().onFailure();
            }
        }
        return s;
    }

    /**
     * One duty cycle: {@value #BATCH} {@code PieceFinished} decoded and applied, then the batched replies.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long pieceEvents()
    {
        final UnsafeBuffer buffer = messages;
        for (int i = 0; i < BATCH; i++)
        {
            if (cursor == messageCount)
            {
                cursor = 0;
                swarm.clearPieces();
            }
            handler.onMessage(buffer, cursor * messageLength, messageLength);
            cursor++;
        }
        logic.doWork(NOW_MS);
        return sender.messages();
    }

    /**
     * Ranks the parents of one child (a different child each call), timing each decision.
     *
     * @return the number of candidates.
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int rankParents()
    {
        final Member c = rankSwarm.member(child);
        child = child + 1 == rankSwarm.memberCount() ? 0 : child + 1;
        final long start = System.nanoTime();
        final int n = evaluator.rank(rankSwarm, c);
        decisionNs.record(System.nanoTime() - start);
        return n;
    }

    /**
     * Starts the decision histogram afresh at the first measurement iteration.
     *
     * @param iteration the iteration about to run.
     */
    @Setup(Level.Iteration)
    public void startIteration(final IterationParams iteration)
    {
        decisionNs.onIteration(iteration);
    }

    /**
     * Prints the decision latency percentiles of the trial, when {@link #rankParents} ran.
     *
     * @param benchmark the trial's benchmark and parameters.
     */
    @TearDown(Level.Trial)
    public void report(final BenchmarkParams benchmark)
    {
        decisionNs.report(benchmark);
    }
}
