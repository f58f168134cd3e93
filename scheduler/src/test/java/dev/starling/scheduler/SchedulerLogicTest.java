package dev.starling.scheduler;

import dev.starling.dataplane.scheduler.codec.BackToSourceDecoder;
import dev.starling.dataplane.scheduler.codec.MessageHeaderEncoder;
import dev.starling.dataplane.scheduler.codec.ParentGoneDecoder;
import dev.starling.dataplane.scheduler.codec.ParentsDecoder;
import dev.starling.dataplane.scheduler.codec.PeerPiecesDecoder;
import dev.starling.dataplane.scheduler.codec.PieceDigestsDecoder;
import dev.starling.dataplane.scheduler.codec.PiecesAvailableDecoder;
import dev.starling.dataplane.scheduler.codec.SourceReason;
import dev.starling.dataplane.scheduler.codec.TaskUnknownDecoder;
import dev.starling.scheduler.RecordingReplySender.Sent;
import dev.starling.scheduler.swarm.ParentEvaluator;
import dev.starling.scheduler.swarm.SwarmRegistry;
import dev.starling.scheduler.swarm.TaskSwarm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conversation of {@code docs/scheduler-protocol.md}, driven through {@link SchedulerMessageHandler} (so every
 * message is encoded and decoded as on the wire) with replies kept by a {@link RecordingReplySender}, and time moved
 * by hand.
 */
class SchedulerLogicTest
{
    private static final long TIMEOUT_MS = 10_000;
    private static final int PIECES = 10;
    private static final int PIECE_LENGTH = 4 << 20;
    private static final long LENGTH = (long)PIECES * PIECE_LENGTH - 100;
    private static final byte[] TASK = Wire.taskId(1);
    private static final long SEED = 1;
    private static final long A = 11;
    private static final long B = 12;
    private static final long C = 13;

    private final Wire wire = new Wire();
    private final RecordingReplySender sender = new RecordingReplySender(true);
    private SchedulerLogic logic;
    private SchedulerMessageHandler handler;
    private long nowMs = 1_000_000;

    @BeforeEach
    void setUp()
    {
        logic = new SchedulerLogic(new SwarmRegistry(), new ParentEvaluator(), sender, new SchedulerCounters(), 2,
            TIMEOUT_MS, 1_000, nowMs);
        handler = new SchedulerMessageHandler(logic);
    }

    private void deliver(final int length)
    {
        handler.onMessage(wire.buffer(), 0, length);
    }

    private void host(final long peerId, final boolean seed)
    {
        deliver(wire.registerHost(peerId, seed));
    }

    private void endCycle()
    {
        logic.doWork(nowMs);
    }

    private List<Sent> sent(final long peerId, final int templateId)
    {
        return sender.sent(peerId, templateId);
    }

    private void swarmWithLayout(final long... peers)
    {
        for (final long p : peers)
        {
            host(p, false);
        }
        deliver(wire.registerTask(peers[0], TASK, LENGTH, PIECE_LENGTH, PIECES));
        for (int i = 1; i < peers.length; i++)
        {
            deliver(wire.registerTask(peers[i], TASK, LENGTH, PIECE_LENGTH, PIECES));
        }
        sender.clear();
    }

    @Test
    void shouldRegisterNewHostAndAnswerTaskUnknownWithZeroTaskIdOnlyOnce()
    {
        host(A, false);
        host(A, false);

        final List<Sent> unknown = sent(A, TaskUnknownDecoder.TEMPLATE_ID);
        assertEquals(1, unknown.size());
        assertArrayEquals(new byte[32], Wire.taskUnknownId(unknown.get(0).buffer()));
        assertEquals(List.of(A), sender.registered());
        assertEquals(1, logic.registry().hostCount());
    }

    @Test
    void shouldMarkTheCandidatesThatAnnouncedAnRdmaDevice()
    {
        deliver(wire.registerHost(SEED, true, "", "", "aeron:ipc", 100 + (int)SEED, "mlx5_0"));
        host(A, false);
        host(B, false);
        deliver(wire.registerTask(SEED, TASK, LENGTH, PIECE_LENGTH, PIECES));
        deliver(wire.registerTask(A, TASK, LENGTH, PIECE_LENGTH, PIECES));
        sender.clear();

        deliver(wire.registerTask(B, TASK));

        final Wire.Parents p = Wire.parents(sent(B, ParentsDecoder.TEMPLATE_ID).get(0).buffer());
        assertTrue(p.peers().contains(SEED) && p.peers().contains(A), p.peers().toString());
        for (int i = 0; i < p.peers().size(); i++)
        {
            assertEquals(p.peers().get(i) == SEED, p.rdma().get(i),
                "only the seed announced a device: " + p.peers() + " " + p.rdma());
        }
        assertEquals("mlx5_0", logic.registry().host(SEED).rdmaDevice());
    }

    @Test
    void shouldTellTheSeedThatATaskIsContentAddressedWhenItsRegistrantSaysSo()
    {
        host(SEED, true);
        host(A, false);
        sender.clear();

        deliver(wire.registerTask(A, TASK, -1, 0, 0, true));

        final List<Sent> toSeed = sent(SEED, BackToSourceDecoder.TEMPLATE_ID);
        assertEquals(1, toSeed.size());
        assertTrue(Wire.backToSourceContentAddressed(toSeed.get(0).buffer()),
            "the seed must name the task as its children do, or it picks another piece digest and skips the " +
            "content check");
    }

    @Test
    void shouldSendSeedBackToSourceWhileThePeerWaitsThenParentsOnceTheSeedKnowsTheLayout()
    {
        host(SEED, true);
        host(A, false);
        sender.clear();

        deliver(wire.registerTask(A, TASK));

        final List<Sent> toSeed = sent(SEED, BackToSourceDecoder.TEMPLATE_ID);
        assertEquals(1, toSeed.size());
        assertEquals(SourceReason.SEED_ASSIGNED.value(), Wire.backToSourceReason(toSeed.get(0).buffer()));
        assertEquals("http://origin/blob", Wire.backToSourceUrl(toSeed.get(0).buffer()));
        assertFalse(Wire.backToSourceContentAddressed(toSeed.get(0).buffer()));
        assertTrue(sent(A, BackToSourceDecoder.TEMPLATE_ID).isEmpty());
        assertTrue(sent(A, ParentsDecoder.TEMPLATE_ID).isEmpty());

        deliver(wire.registerTask(SEED, TASK, LENGTH, PIECE_LENGTH, PIECES));

        final List<Sent> parents = sent(A, ParentsDecoder.TEMPLATE_ID);
        assertEquals(1, parents.size());
        final Wire.Parents p = Wire.parents(parents.get(0).buffer());
        assertEquals(List.of(SEED), p.peers());
        assertEquals(LENGTH, p.contentLength());
        assertEquals(PIECES, p.pieceCount());
        assertEquals("\"e1\"", p.etag());
        assertEquals(1, sent(SEED, BackToSourceDecoder.TEMPLATE_ID).size(), "the seed is told once");
        assertEquals(1, logic.counters().seedsAssigned());
    }

    @Test
    void shouldSendBackToSourceAtOnceToSeedThatRegistersTaskItself()
    {
        host(SEED, true);
        sender.clear();

        deliver(wire.registerTask(SEED, TASK));

        final List<Sent> toSeed = sent(SEED, BackToSourceDecoder.TEMPLATE_ID);
        assertEquals(1, toSeed.size());
        assertEquals(SourceReason.SEED_ASSIGNED.value(), Wire.backToSourceReason(toSeed.get(0).buffer()));
    }

    @Test
    void shouldSendAtMostMaxBackToSourcePeersWhenThereIsNoSeed()
    {
        host(A, false);
        host(B, false);
        host(C, false);
        sender.clear();

        deliver(wire.registerTask(A, TASK));
        deliver(wire.registerTask(B, TASK));
        deliver(wire.registerTask(C, TASK));

        assertEquals(2, sender.count(BackToSourceDecoder.TEMPLATE_ID));
        assertEquals(SourceReason.NO_SEED.value(), Wire.backToSourceReason(sent(A, BackToSourceDecoder.TEMPLATE_ID)
            .get(0).buffer()));
        assertEquals(1, sent(B, BackToSourceDecoder.TEMPLATE_ID).size());
        assertTrue(sent(C, BackToSourceDecoder.TEMPLATE_ID).isEmpty());
    }

    @Test
    void shouldSendBoundedBackToSourceWhenTheSeedFails()
    {
        host(SEED, true);
        host(A, false);
        host(B, false);
        host(C, false);
        deliver(wire.registerTask(A, TASK));
        deliver(wire.registerTask(B, TASK));
        deliver(wire.registerTask(C, TASK));
        sender.clear();

        deliver(wire.taskFailed(SEED, TASK));

        assertEquals(2, sender.count(BackToSourceDecoder.TEMPLATE_ID));
        for (final Sent s : sender.sent())
        {
            assertEquals(SourceReason.SEED_FAILED.value(), Wire.backToSourceReason(s.buffer()));
        }
        assertTrue(logic.registry().task(TASK).isSeedFailed());
    }

    @Test
    void shouldSendBoundedBackToSourceWhenTheSeedLeavesAfterJoining()
    {
        host(SEED, true);
        host(A, false);
        host(B, false);
        host(C, false);
        deliver(wire.registerTask(A, TASK));
        deliver(wire.registerTask(B, TASK));
        deliver(wire.registerTask(C, TASK));
        deliver(wire.registerTask(SEED, TASK, LENGTH, PIECE_LENGTH, PIECES));
        sender.clear();

        deliver(wire.peerLeft(SEED, new byte[32]));

        assertEquals(3, sender.count(ParentGoneDecoder.TEMPLATE_ID));
        assertEquals(2, sender.count(BackToSourceDecoder.TEMPLATE_ID));
        assertNull(logic.registry().host(SEED));
    }

    @Test
    void shouldSendBoundedBackToSourceWhenTheSeedTimesOut()
    {
        host(SEED, true);
        host(A, false);
        host(B, false);
        host(C, false);
        deliver(wire.registerTask(A, TASK));
        deliver(wire.registerTask(B, TASK));
        deliver(wire.registerTask(C, TASK));
        sender.clear();

        nowMs += TIMEOUT_MS / 2;
        logic.nowMs(nowMs);
        host(A, false);
        host(B, false);
        host(C, false);
        nowMs += TIMEOUT_MS / 2 + 1_000;
        endCycle();

        assertNull(logic.registry().host(SEED), "the seed was silent for longer than the timeout");
        assertNotNull(logic.registry().host(A));
        assertEquals(1, logic.counters().hostsTimedOut());
        assertEquals(List.of(SEED), sender.removed());
        assertEquals(2, sender.count(BackToSourceDecoder.TEMPLATE_ID));
    }

    @Test
    void shouldSendDigestsPeerPiecesThenParentsWhenTheLayoutIsKnown()
    {
        swarmWithLayout(A);
        for (int i = 0; i < 4; i++)
        {
            deliver(wire.pieceFinished(A, TASK, i, 0, 1_000, Wire.digest(i, 0)));
        }
        endCycle();
        host(B, false);
        sender.clear();

        deliver(wire.registerTask(B, TASK, LENGTH, PIECE_LENGTH, PIECES));

        final List<Sent> toB = sender.sent().stream().filter(s -> s.peerId() == B).toList();
        assertEquals(3, toB.size());
        assertEquals(PieceDigestsDecoder.TEMPLATE_ID, toB.get(0).templateId());
        assertEquals(PeerPiecesDecoder.TEMPLATE_ID, toB.get(1).templateId());
        assertEquals(ParentsDecoder.TEMPLATE_ID, toB.get(2).templateId());
        assertEquals(0, Wire.digestsFirst(toB.get(0).buffer()));
        final byte[] digests = Wire.digests(toB.get(0).buffer());
        assertEquals(4 * 32, digests.length);
        assertArrayEquals(Wire.digest(3, 0), java.util.Arrays.copyOfRange(digests, 96, 128));
        assertEquals(A, Wire.peerPiecesPeer(toB.get(1).buffer()));
        assertArrayEquals(new byte[] {0x0F, 0}, Wire.peerPiecesBitmap(toB.get(1).buffer()));
        assertEquals(List.of(A), Wire.parents(toB.get(2).buffer()).peers());
    }

    @Test
    void shouldAnswerAMemberThatAsksAgainForATaskItHoldsWithTheLayout()
    {
        host(A, false);
        deliver(wire.registerTask(A, TASK, LENGTH, PIECE_LENGTH, PIECES));
        for (int i = 0; i < PIECES; i++)
        {
            deliver(wire.pieceFinished(A, TASK, i, -1, 0, Wire.digest(i, 0)));
        }
        endCycle();
        sender.clear();

        deliver(wire.registerTask(A, TASK));

        final List<Sent> parents = sent(A, ParentsDecoder.TEMPLATE_ID);
        assertEquals(1, parents.size(), "the member must learn the layout at once, not wait for the timeout");
        assertEquals(List.of(), Wire.parents(parents.get(0).buffer()).peers());
        assertEquals(0, sender.count(BackToSourceDecoder.TEMPLATE_ID));
    }

    @Test
    void shouldTrustTheFirstOriginDigestAndNeverAPeerSourcedOne()
    {
        swarmWithLayout(A, B, C);

        deliver(wire.pieceFinished(A, TASK, 0, 0, 1_000, Wire.digest(0, 0)));
        deliver(wire.pieceFinished(B, TASK, 0, 0, 1_000, Wire.digest(0, 9)));
        deliver(wire.pieceFinished(C, TASK, 1, A, 1_000, Wire.digest(1, 9)));

        final TaskSwarm swarm = logic.registry().task(TASK);
        assertTrue(swarm.matchesDigest(0, Wire.digest(0, 0)));
        assertEquals(1, logic.counters().digestConflicts());
        assertFalse(swarm.isDigestKnown(1), "a piece fetched from a peer does not set the trusted digest");
    }

    @Test
    void shouldRebuildStateFromReRegistrationAfterARestart()
    {
        host(A, false);
        assertEquals(1, sender.count(TaskUnknownDecoder.TEMPLATE_ID));
        deliver(wire.registerTask(A, TASK, LENGTH, PIECE_LENGTH, PIECES));
        for (int i = 0; i < PIECES; i++)
        {
            deliver(wire.pieceFinished(A, TASK, i, -1, 0, Wire.digest(i, 0)));
        }
        endCycle();
        host(B, false);
        sender.clear();

        deliver(wire.registerTask(B, TASK, LENGTH, PIECE_LENGTH, PIECES));

        final TaskSwarm swarm = logic.registry().task(TASK);
        assertTrue(swarm.memberOf(A).isComplete());
        assertEquals(PIECES, swarm.digestKnown().cardinality());
        assertEquals(PIECES * 32, Wire.digests(sent(B, PieceDigestsDecoder.TEMPLATE_ID).get(0).buffer()).length);
        assertArrayEquals(new byte[] {(byte)0xFF, 0x03},
            Wire.peerPiecesBitmap(sent(B, PeerPiecesDecoder.TEMPLATE_ID).get(0).buffer()));
        assertEquals(List.of(A), Wire.parents(sent(B, ParentsDecoder.TEMPLATE_ID).get(0).buffer()).peers());
        assertEquals(0, sender.count(BackToSourceDecoder.TEMPLATE_ID), "a complete holder makes the origin needless");
    }

    @Test
    void shouldBatchPiecesAvailableIntoOneMessagePerPeerPerDutyCycle()
    {
        swarmWithLayout(A, B, C);

        for (int i = 0; i < 5; i++)
        {
            deliver(wire.pieceFinished(A, TASK, i, 0, 1_000, Wire.digest(i, 0)));
        }
        deliver(wire.pieceFinished(B, TASK, 0, A, 1_000, Wire.digest(0, 0)));
        assertEquals(0, sender.count(PiecesAvailableDecoder.TEMPLATE_ID), "nothing before the end of the cycle");

        endCycle();

        assertTrue(sent(A, PiecesAvailableDecoder.TEMPLATE_ID).isEmpty(), "A holds everything announced");
        final List<Sent> toB = sent(B, PiecesAvailableDecoder.TEMPLATE_ID);
        assertEquals(1, toB.size());
        final List<Wire.Available> forB = Wire.available(toB.get(0).buffer());
        assertEquals(4, forB.size(), "B already holds piece 0");
        assertEquals(1, forB.get(0).piece());
        assertArrayEquals(Wire.digest(1, 0), forB.get(0).digest());
        final List<Sent> toC = sent(C, PiecesAvailableDecoder.TEMPLATE_ID);
        assertEquals(1, toC.size());
        assertEquals(6, Wire.available(toC.get(0).buffer()).size());

        sender.clear();
        endCycle();
        assertEquals(0, sender.count(PiecesAvailableDecoder.TEMPLATE_ID), "a batch goes once");
    }

    @Test
    void shouldSendRefreshedParentsToTheOthersWhenAMemberJoins()
    {
        swarmWithLayout(A, B);
        host(C, false);
        sender.clear();

        deliver(wire.registerTask(C, TASK, LENGTH, PIECE_LENGTH, PIECES));

        assertTrue(Wire.parents(sent(A, ParentsDecoder.TEMPLATE_ID).get(0).buffer()).peers().contains(C));
        assertTrue(Wire.parents(sent(B, ParentsDecoder.TEMPLATE_ID).get(0).buffer()).peers().contains(C));
        assertEquals(2, Wire.parents(sent(C, ParentsDecoder.TEMPLATE_ID).get(0).buffer()).peers().size());
    }

    @Test
    void shouldSendParentGoneToTheOthersWhenAPeerLeavesATask()
    {
        swarmWithLayout(A, B, C);

        deliver(wire.peerLeft(A, TASK));

        assertEquals(A, Wire.parentGone(sent(B, ParentGoneDecoder.TEMPLATE_ID).get(0).buffer()));
        assertEquals(A, Wire.parentGone(sent(C, ParentGoneDecoder.TEMPLATE_ID).get(0).buffer()));
        assertNull(logic.registry().task(TASK).memberOf(A));
        assertNotNull(logic.registry().host(A), "leaving a task is not leaving the mesh");
    }

    @Test
    void shouldForgetATaskWhenItsLastMemberLeaves()
    {
        swarmWithLayout(A);

        deliver(wire.peerLeft(A, TASK));

        assertNull(logic.registry().task(TASK));
    }

    @Test
    void shouldExcludeAParentForTheChildThatReportedWrongBytesAndForAllAfterTwoChildren()
    {
        swarmWithLayout(A, B, C, 14);
        deliver(wire.pieceFinished(A, TASK, 0, 0, 1_000, Wire.digest(0, 0)));
        endCycle();
        sender.clear();

        deliver(wire.pieceFailed(B, TASK, 0, A, Wire.mismatch()));

        final Wire.Parents forB = Wire.parents(sent(B, ParentsDecoder.TEMPLATE_ID).get(0).buffer());
        assertFalse(forB.peers().contains(A));
        assertTrue(logic.registry().task(TASK).memberOf(B).excludes(A));
        assertFalse(logic.registry().task(TASK).memberOf(A).isExcludedForAll());

        deliver(wire.pieceFailed(B, TASK, 0, A, Wire.mismatch()));
        assertFalse(logic.registry().task(TASK).memberOf(A).isExcludedForAll(), "one child counts once");

        deliver(wire.pieceFailed(C, TASK, 0, A, Wire.mismatch()));

        assertTrue(logic.registry().task(TASK).memberOf(A).isExcludedForAll());
        assertEquals(A, Wire.parentGone(sent(14, ParentGoneDecoder.TEMPLATE_ID).get(0).buffer()));
        assertEquals(3, logic.counters().parentsExcluded());
    }

    @Test
    void shouldAnswerTaskUnknownToAPieceReportForATaskNotRegistered()
    {
        host(A, false);
        sender.clear();

        deliver(wire.pieceFinished(A, TASK, 0, 0, 1_000, Wire.digest(0, 0)));

        assertArrayEquals(TASK, Wire.taskUnknownId(sent(A, TaskUnknownDecoder.TEMPLATE_ID).get(0).buffer()));
        assertEquals(1, logic.counters().unknownTaskMessages());
    }

    @Test
    void shouldDropMessagesOfAnotherSchemaOrAHigherVersion()
    {
        final int length = wire.registerHost(A, false);
        final org.agrona.concurrent.UnsafeBuffer copy = new org.agrona.concurrent.UnsafeBuffer(new byte[length]);
        copy.putBytes(0, wire.buffer(), 0, length);
        final MessageHeaderEncoder header = new MessageHeaderEncoder().wrap(copy, 0);

        header.schemaId(999);
        handler.onMessage(copy, 0, length);
        header.schemaId(MessageHeaderEncoder.SCHEMA_ID).version(MessageHeaderEncoder.SCHEMA_VERSION + 1);
        handler.onMessage(copy, 0, length);
        handler.onMessage(copy, 0, 4);

        assertEquals(3, logic.counters().messagesDropped());
        assertEquals(0, logic.registry().hostCount());
        assertTrue(sender.sent().isEmpty());
    }

    @Test
    void shouldIgnoreMessagesFromAnUnknownHost()
    {
        deliver(wire.registerTask(A, TASK));

        assertEquals(1, logic.counters().unknownHostMessages());
        assertNull(logic.registry().task(TASK));
    }

    @Test
    void shouldSendBackToSourceToAPeerThatRegistersAnotherLayout()
    {
        swarmWithLayout(A);
        host(B, false);
        sender.clear();

        deliver(wire.registerTask(B, TASK, LENGTH + 1, PIECE_LENGTH, PIECES));

        assertEquals(SourceReason.NO_PARENTS.value(),
            Wire.backToSourceReason(sent(B, BackToSourceDecoder.TEMPLATE_ID).get(0).buffer()));
        assertNull(logic.registry().task(TASK).memberOf(B));
        assertEquals(1, logic.counters().layoutConflicts());
    }
}
