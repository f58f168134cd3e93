package dev.starling.scheduler;

import dev.starling.dataplane.scheduler.EmbeddedAeron;
import dev.starling.dataplane.scheduler.codec.BackToSourceEncoder;
import dev.starling.dataplane.scheduler.codec.DigestAlgorithm;
import dev.starling.dataplane.scheduler.codec.FailureReason;
import dev.starling.dataplane.scheduler.codec.HostType;
import dev.starling.dataplane.scheduler.codec.MessageHeaderEncoder;
import dev.starling.dataplane.scheduler.codec.ParentGoneEncoder;
import dev.starling.dataplane.scheduler.codec.ParentsEncoder;
import dev.starling.dataplane.scheduler.codec.PeerPiecesEncoder;
import dev.starling.dataplane.scheduler.codec.PieceDigestsEncoder;
import dev.starling.dataplane.scheduler.codec.PiecesAvailableEncoder;
import dev.starling.dataplane.scheduler.codec.SourceReason;
import dev.starling.dataplane.scheduler.codec.TaskUnknownEncoder;
import dev.starling.scheduler.swarm.Host;
import dev.starling.scheduler.swarm.Member;
import dev.starling.scheduler.swarm.ParentEvaluator;
import dev.starling.scheduler.swarm.SwarmRegistry;
import dev.starling.scheduler.swarm.TaskSwarm;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The scheduler's side of the conversation in {@code docs/scheduler-protocol.md}, with no Aeron in it: decoded
 * events come in through the {@code onXxx} methods, replies go out, encoded, through a {@link ReplySender}, and
 * {@link #doWork(long)} runs what is due at the end of each duty cycle (batched {@code PiecesAvailable}, heartbeat
 * timeouts, the fading of upload statistics).
 * <p>
 * Single-threaded: the agent thread owns this object, the registry and the evaluator. Replies are encoded into one
 * reusable buffer; nothing on the piece path ({@code PieceFinished}, {@code PieceFailed}, the flush) allocates once
 * the swarm's arrays have grown to its size.
 */
public final class SchedulerLogic
{
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerLogic.class);

    /** Largest piece count accepted in a layout: its bitmap (64 KiB) fits one message. */
    public static final int MAX_PIECE_COUNT = 1 << 19;
    /** A parent reported for wrong bytes by this many children is excluded for all. */
    public static final int MISMATCH_REPORTS_TO_EXCLUDE = 2;

    private static final int TASK_ID_LENGTH = TaskSwarm.KEY_LENGTH;
    private static final int HEADER_LENGTH = MessageHeaderEncoder.ENCODED_LENGTH;
    /** Entries of one {@code PiecesAvailable}: 44 bytes each after a 32-byte task id and a 4-byte group header. */
    static final int MAX_AVAILABLE_ENTRIES = Math.min(0xFFFE,
        (EmbeddedAeron.MAX_MESSAGE_BYTES - HEADER_LENGTH - TASK_ID_LENGTH - 4) / (8 + 4 + 32));
    /** Digests of one {@code PieceDigests}. */
    static final int MAX_DIGESTS = (EmbeddedAeron.MAX_MESSAGE_BYTES - HEADER_LENGTH - TASK_ID_LENGTH - 8) / 32;

    private final SwarmRegistry registry;
    private final ParentEvaluator evaluator;
    private final ReplySender sender;
    private final SchedulerCounters counters;
    private final int maxBackToSource;
    private final long peerTimeoutMs;
    private final long timeoutCheckIntervalMs;
    private final long statsWindowMs;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(EmbeddedAeron.MAX_MESSAGE_BYTES));
    private final byte[] zeroTaskId = new byte[TASK_ID_LENGTH];
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final ParentsEncoder parents = new ParentsEncoder();
    private final PeerPiecesEncoder peerPieces = new PeerPiecesEncoder();
    private final PiecesAvailableEncoder available = new PiecesAvailableEncoder();
    private final PieceDigestsEncoder pieceDigests = new PieceDigestsEncoder();
    private final BackToSourceEncoder backToSource = new BackToSourceEncoder();
    private final TaskUnknownEncoder taskUnknown = new TaskUnknownEncoder();
    private final ParentGoneEncoder parentGone = new ParentGoneEncoder();

    private TaskSwarm[] flushQueue = new TaskSwarm[16];
    private int flushQueueCount;
    private long nowMs;
    private long nextTimeoutCheckMs;
    private long nextDecayMs;

    /**
     * @param registry        the state; owned by the same thread from now on.
     * @param evaluator       ranks parents.
     * @param sender          where replies go.
     * @param counters        what is counted.
     * @param maxBackToSource peers at most sent to the origin at a time for one task, without a seed.
     * @param peerTimeoutMs   a host silent for this long is treated as gone.
     * @param statsWindowMs   the hosts' upload statistics halve this often.
     * @param nowMs           the current time, epoch ms.
     */
    public SchedulerLogic(
        final SwarmRegistry registry,
        final ParentEvaluator evaluator,
        final ReplySender sender,
        final SchedulerCounters counters,
        final int maxBackToSource,
        final long peerTimeoutMs,
        final long statsWindowMs,
        final long nowMs)
    {
        this.registry = registry;
        this.evaluator = evaluator;
        this.sender = sender;
        this.counters = counters;
        this.maxBackToSource = maxBackToSource;
        this.peerTimeoutMs = peerTimeoutMs;
        this.timeoutCheckIntervalMs = Math.max(1, Math.min(1_000, peerTimeoutMs / 4));
        this.statsWindowMs = statsWindowMs;
        this.nowMs = nowMs;
        this.nextTimeoutCheckMs = nowMs + timeoutCheckIntervalMs;
        this.nextDecayMs = nowMs + statsWindowMs;
    }

    /**
     * Sets the time events are stamped with (the agent's cached clock).
     *
     * @param nowMs epoch ms.
     */
    public void nowMs(final long nowMs)
    {
        this.nowMs = nowMs;
    }

    /**
     * End of a duty cycle: sends the batched {@code PiecesAvailable}, removes hosts silent for longer than the peer
     * timeout, and fades the upload statistics, each when due.
     *
     * @param nowMs epoch ms.
     * @return how much work was done.
     */
    public int doWork(final long nowMs)
    {
        this.nowMs = nowMs;
        int work = flush();
        if (nowMs >= nextTimeoutCheckMs)
        {
            nextTimeoutCheckMs = nowMs + timeoutCheckIntervalMs;
            work += checkTimeouts();
        }
        if (nowMs >= nextDecayMs)
        {
            nextDecayMs = nowMs + statsWindowMs;
            registry.decayStatistics();
        }
        return work;
    }

    /** @return the registry (the agent thread's). */
    public SwarmRegistry registry()
    {
        return registry;
    }

    /** @return the counters. */
    public SchedulerCounters counters()
    {
        return counters;
    }

    /**
     * A {@code RegisterHost} from a host already known: a heartbeat.
     *
     * @param peerId      the host.
     * @param uploadSlots its upload slots now.
     * @return false when the host is not known: call {@link #onRegisterHost} with its strings.
     */
    public boolean onHeartbeat(final long peerId, final int uploadSlots)
    {
        final Host host = registry.host(peerId);
        if (host == null)
        {
            return false;
        }
        host.heartbeat(nowMs, uploadSlots);
        return true;
    }

    /**
     * A {@code RegisterHost} from a host not known: registers it, opens its reply channel and answers
     * {@code TaskUnknown} with an all-zero task id, so that it registers its tasks again.
     *
     * @param rdmaDevice the RDMA device it serves remote reads from, or "" (its {@code Parents} candidates carry the
     *                   flag).
     */
    public void onRegisterHost(
        final long peerId,
        final int piecePort,
        final int uploadSlots,
        final boolean seed,
        final int replyStreamId,
        final String address,
        final String zone,
        final String rack,
        final String replyChannel,
        final String rdmaDevice)
    {
        if (onHeartbeat(peerId, uploadSlots))
        {
            return;
        }
        final Host host = registry.addHost(peerId, address, piecePort, uploadSlots, seed, zone, rack, replyChannel,
            replyStreamId, nowMs);
        host.rdmaDevice(rdmaDevice);
        counters.hostsRegistered++;
        LOG.info("host registered: {} {}:{}{} zone={} rack={} reply {} stream {}{}", Long.toHexString(peerId),
            address, piecePort, seed ? " (seed)" : "", zone, rack, replyChannel, replyStreamId,
            host.hasRdma() ? " rdma " + rdmaDevice : "");
        sender.onHostRegistered(peerId, replyChannel, replyStreamId);
        sendTaskUnknown(host.peerId(), zeroTaskId);
    }

    /**
     * A {@code RegisterTask}: the peer joins the task's swarm (idempotent) and is answered as the spec says.
     *
     * @param taskId 32 bytes; the caller retains it.
     */
    public void onRegisterTask(
        final long peerId,
        final byte[] taskId,
        final long contentLength,
        final int pieceLength,
        final int pieceCount,
        final short digestAlgorithm,
        final boolean contentAddressed,
        final String url,
        final String etag)
    {
        final Host host = registry.host(peerId);
        if (host == null)
        {
            counters.unknownHostMessages++;
            return;
        }
        TaskSwarm swarm = registry.task(taskId);
        if (swarm == null)
        {
            swarm = registry.addTask(taskId, url);
        }
        if (contentAddressed)
        {
            swarm.markContentAddressed();
        }
        final boolean layoutGiven = contentLength >= 0 && pieceLength > 0 && pieceCount >= 0 &&
            pieceCount <= MAX_PIECE_COUNT && (digestAlgorithm == DigestAlgorithm.SHA256.value() ||
            digestAlgorithm == DigestAlgorithm.CRC32C.value());
        if (layoutGiven && swarm.isLayoutKnown() && !swarm.sameLayout(contentLength, pieceLength, pieceCount))
        {
            counters.layoutConflicts++;
            LOG.warn("task {}: peer {} registered a layout ({} bytes, {} x {}) other than the known one ({} bytes, " +
                "{} x {}); sent back to source", SwarmRegistry.shortId(taskId), Long.toHexString(peerId),
                contentLength, pieceCount, pieceLength, swarm.contentLength(), swarm.pieceCount(),
                swarm.pieceLength());
            sendBackToSource(peerId, swarm, SourceReason.NO_PARENTS);
            if (swarm.memberCount() == 0 && swarm.seedPeerId() == 0)
            {
                registry.removeTask(swarm);
            }
            return;
        }
        Member member = swarm.memberOf(peerId);
        final boolean joined = member == null;
        if (joined)
        {
            member = registry.join(swarm, host);
        }
        if (host.isSeed() && (swarm.seedPeerId() == 0 || swarm.isSeedFailed()) && !member.isComplete())
        {
            assignSeed(swarm, host);
        }
        if (layoutGiven && swarm.layout(contentLength, pieceLength, pieceCount, digestAlgorithm, etag))
        {
            LOG.info("task {}: layout known from {}: {} bytes, {} pieces of {}", SwarmRegistry.shortId(taskId),
                Long.toHexString(peerId), contentLength, pieceCount, pieceLength);
            for (int i = 0; i < swarm.memberCount(); i++)
            {
                makeReady(swarm.member(i));
            }
        }
        else if (swarm.isLayoutKnown())
        {
            final boolean wasReady = member.isReady();
            makeReady(member);
            if (joined)
            {
                refreshOthers(swarm, member);
            }
            else if (wasReady && !layoutGiven && !member.isDownloading())
            {
                // A member asking again for a task it holds (a new download session on the same node) waits for
                // the layout: without an answer it would sit out the scheduler timeout and go to the origin.
                sendParents(member, false);
            }
        }
        arrangeSource(swarm);
    }

    /**
     * A {@code PieceFinished}: sets the piece, trusts its digest when it came from the origin or was held before
     * and none is known, and queues a {@code PiecesAvailable} entry for the other downloading members.
     *
     * @param taskId 32 bytes; the caller retains it.
     * @param digest 32 bytes; the caller retains it.
     */
    public void onPieceFinished(
        final long peerId,
        final byte[] taskId,
        final int piece,
        final long parentPeerId,
        final long costNs,
        final byte[] digest)
    {
        final Member member = member(peerId, taskId);
        if (member == null)
        {
            return;
        }
        final TaskSwarm swarm = member.swarm();
        if (piece < 0 || piece >= swarm.pieceCount())
        {
            counters.messagesDropped++;
            return;
        }
        counters.piecesFinished++;
        if (parentPeerId == 0 || parentPeerId == -1)
        {
            if (!swarm.trustDigest(piece, digest) && !swarm.matchesDigest(piece, digest))
            {
                counters.digestConflicts++;
            }
        }
        else
        {
            final Host parent = registry.host(parentPeerId);
            if (parent != null)
            {
                parent.onUpload(costNs);
            }
        }
        if (!member.pieces().set(piece))
        {
            return;
        }
        if (member.pieces().isFull())
        {
            member.markComplete();
        }
        if (!member.isExcludedForAll() && swarm.isDigestKnown(piece))
        {
            swarm.queueAvailable(peerId, piece);
            if (!swarm.isFlushQueued())
            {
                queueFlush(swarm);
            }
        }
    }

    /**
     * A {@code PieceFailed}: counts it against the parent; a digest mismatch excludes the parent for this child
     * (and, once {@value #MISMATCH_REPORTS_TO_EXCLUDE} children reported it, for all), and the child gets its
     * parents again without it.
     *
     * @param taskId 32 bytes; the caller retains it.
     * @param reason the {@code FailureReason} code.
     */
    public void onPieceFailed(
        final long peerId,
        final byte[] taskId,
        final int piece,
        final long parentPeerId,
        final short reason)
    {
        final Member child = member(peerId, taskId);
        if (child == null)
        {
            return;
        }
        counters.piecesFailed++;
        if (parentPeerId <= 0)
        {
            return;
        }
        final Host parentHost = registry.host(parentPeerId);
        if (parentHost != null)
        {
            parentHost.onFailure();
        }
        if (reason != FailureReason.DIGEST_MISMATCH.value() || !child.exclude(parentPeerId))
        {
            return;
        }
        final TaskSwarm swarm = child.swarm();
        counters.parentsExcluded++;
        LOG.warn("task {}: parent {} excluded for {}: wrong bytes for piece {}",
            SwarmRegistry.shortId(swarm.taskIdBytes()), Long.toHexString(parentPeerId), Long.toHexString(peerId),
            piece);
        final Member parent = swarm.memberOf(parentPeerId);
        if (parent != null && !parent.isExcludedForAll() &&
            parent.onMismatchReported() >= MISMATCH_REPORTS_TO_EXCLUDE)
        {
            counters.parentsExcluded++;
            LOG.warn("task {}: parent {} excluded for all: {} children reported wrong bytes",
                SwarmRegistry.shortId(swarm.taskIdBytes()), Long.toHexString(parentPeerId),
                MISMATCH_REPORTS_TO_EXCLUDE);
            swarm.dropPending(parentPeerId);
            for (int i = 0; i < swarm.memberCount(); i++)
            {
                final Member m = swarm.member(i);
                if (m != parent && m != child && m.isDownloading())
                {
                    sendParentGone(m.peerId(), swarm, parentPeerId);
                }
            }
        }
        if (child.isDownloading())
        {
            sendParents(child, false);
        }
    }

    /**
     * A {@code TaskFailed}: the peer gave the task up. A seed that fails leaves its task to at most
     * {@code max-back-to-source} peers.
     *
     * @param taskId 32 bytes; the caller retains it.
     */
    public void onTaskFailed(final long peerId, final byte[] taskId, final int errorCode)
    {
        if (registry.host(peerId) == null)
        {
            counters.unknownHostMessages++;
            return;
        }
        final TaskSwarm swarm = registry.task(taskId);
        if (swarm == null)
        {
            return;
        }
        LOG.info("task {}: peer {} gave up (error code {})", SwarmRegistry.shortId(taskId), Long.toHexString(peerId),
            errorCode);
        final Member member = swarm.memberOf(peerId);
        if (member != null)
        {
            leave(member, true);
        }
        else if (swarm.seedPeerId() == peerId)
        {
            seedLost(swarm, "gave up");
            arrangeSource(swarm);
        }
    }

    /**
     * A {@code PeerLeft}: the peer leaves the task, or, with an all-zero task id, the host leaves.
     *
     * @param taskId 32 bytes; the caller retains it.
     */
    public void onPeerLeft(final long peerId, final byte[] taskId)
    {
        final Host host = registry.host(peerId);
        if (host == null)
        {
            counters.unknownHostMessages++;
            return;
        }
        if (Arrays.equals(taskId, zeroTaskId))
        {
            counters.hostsLeft++;
            removeHost(host, "left");
            return;
        }
        final TaskSwarm swarm = registry.task(taskId);
        if (swarm == null)
        {
            return;
        }
        final Member member = swarm.memberOf(peerId);
        if (member != null)
        {
            leave(member, false);
        }
        else if (swarm.seedPeerId() == peerId)
        {
            seedLost(swarm, "left");
            arrangeSource(swarm);
        }
    }

    private Member member(final long peerId, final byte[] taskId)
    {
        if (registry.host(peerId) == null)
        {
            counters.unknownHostMessages++;
            return null;
        }
        final TaskSwarm swarm = registry.task(taskId);
        final Member member = swarm == null ? null : swarm.memberOf(peerId);
        if (member == null || !swarm.isLayoutKnown())
        {
            counters.unknownTaskMessages++;
            if (member == null)
            {
                sendTaskUnknown(peerId, taskId);
            }
            return null;
        }
        return member;
    }

    private void makeReady(final Member member)
    {
        if (member.isReady())
        {
            if (member.isDownloading())
            {
                sendParents(member, true);
            }
            return;
        }
        member.markReady();
        if (member.isComplete())
        {
            return;
        }
        sendDigests(member);
        sendParents(member, true);
    }

    private void refreshOthers(final TaskSwarm swarm, final Member joined)
    {
        for (int i = 0; i < swarm.memberCount(); i++)
        {
            final Member m = swarm.member(i);
            if (m != joined && m.isDownloading())
            {
                if (joined.pieces().cardinality() > 0 && ParentEvaluator.eligible(m, joined))
                {
                    sendPeerPieces(m.peerId(), swarm, joined);
                }
                sendParents(m, false);
            }
        }
    }

    /**
     * Makes sure someone fetches the task from the origin: the assigned seed, else a registered seed, else (no
     * seed, or it failed) up to {@code max-back-to-source} members.
     */
    private void arrangeSource(final TaskSwarm swarm)
    {
        if (swarm.seedPeerId() != 0 && !swarm.isSeedFailed())
        {
            return;
        }
        if (swarm.backToSourceActive() >= maxBackToSource || swarm.memberCount() == 0)
        {
            return;
        }
        if (swarm.isLayoutKnown() && swarm.hasHolder())
        {
            return;
        }
        if (!swarm.isSeedFailed())
        {
            final Host seed = pickSeed();
            if (seed != null)
            {
                assignSeed(swarm, seed);
                return;
            }
        }
        final SourceReason reason = swarm.isSeedFailed() ? SourceReason.SEED_FAILED :
            swarm.isLayoutKnown() ? SourceReason.NO_PARENTS : SourceReason.NO_SEED;
        for (int i = 0; i < swarm.memberCount() && swarm.backToSourceActive() < maxBackToSource; i++)
        {
            final Member m = swarm.member(i);
            if (!m.isBackToSource() && !m.isComplete() && m.peerId() != swarm.seedPeerId())
            {
                m.markBackToSource();
                counters.backToSourceGranted++;
                LOG.info("task {}: back to source granted to {} ({}; {} of at most {})",
                    SwarmRegistry.shortId(swarm.taskIdBytes()), Long.toHexString(m.peerId()), reason,
                    swarm.backToSourceActive(), maxBackToSource);
                sendBackToSource(m.peerId(), swarm, reason);
            }
        }
    }

    private Host pickSeed()
    {
        Host best = null;
        for (int i = 0, n = registry.hostCount(); i < n; i++)
        {
            final Host h = registry.hostAt(i);
            if (h.isSeed() && !h.isLeaving() && (best == null || h.seedTaskCount() < best.seedTaskCount()))
            {
                best = h;
            }
        }
        return best;
    }

    private void assignSeed(final TaskSwarm swarm, final Host seed)
    {
        if (swarm.seedPeerId() != 0)
        {
            final Host previous = registry.host(swarm.seedPeerId());
            if (previous != null)
            {
                previous.removeSeedTask(swarm);
            }
        }
        swarm.assignSeed(seed.peerId());
        seed.addSeedTask(swarm);
        counters.seedsAssigned++;
        LOG.info("task {}: seed assigned: {} fetches {} from the origin", SwarmRegistry.shortId(swarm.taskIdBytes()),
            Long.toHexString(seed.peerId()), swarm.url());
        sendBackToSource(seed.peerId(), swarm, SourceReason.SEED_ASSIGNED);
    }

    private void seedLost(final TaskSwarm swarm, final String why)
    {
        final Host seed = registry.host(swarm.seedPeerId());
        if (seed != null)
        {
            seed.removeSeedTask(swarm);
        }
        swarm.seedFailed();
        LOG.warn("task {}: seed {} {}; up to {} peers go to the origin", SwarmRegistry.shortId(swarm.taskIdBytes()),
            Long.toHexString(swarm.seedPeerId()), why, maxBackToSource);
    }

    private void leave(final Member member, final boolean failed)
    {
        final TaskSwarm swarm = member.swarm();
        final long peerId = member.peerId();
        final boolean wasSeed = swarm.seedPeerId() == peerId;
        registry.leave(member);
        swarm.dropPending(peerId);
        if (wasSeed && (failed || !member.isComplete()))
        {
            seedLost(swarm, failed ? "gave up" : "left");
        }
        for (int i = 0; i < swarm.memberCount(); i++)
        {
            final Member m = swarm.member(i);
            if (m.isDownloading())
            {
                sendParentGone(m.peerId(), swarm, peerId);
            }
        }
        if (swarm.memberCount() == 0)
        {
            final Host seed = swarm.seedPeerId() == 0 ? null : registry.host(swarm.seedPeerId());
            if (seed != null)
            {
                seed.removeSeedTask(swarm);
            }
            registry.removeTask(swarm);
            return;
        }
        arrangeSource(swarm);
    }

    private void removeHost(final Host host, final String why)
    {
        host.markLeaving();
        while (host.membershipCount() > 0)
        {
            leave(host.membership(host.membershipCount() - 1), false);
        }
        while (host.seedTaskCount() > 0)
        {
            final TaskSwarm swarm = host.seedTask(host.seedTaskCount() - 1);
            seedLost(swarm, why);
            arrangeSource(swarm);
        }
        registry.removeHost(host);
        sender.onHostRemoved(host.peerId());
        LOG.info("host {}: {}", Long.toHexString(host.peerId()), why);
    }

    private int checkTimeouts()
    {
        int removed = 0;
        for (int i = registry.hostCount() - 1; i >= 0; i--)
        {
            final Host host = registry.hostAt(i);
            if (nowMs - host.lastHeartbeatMs() > peerTimeoutMs)
            {
                counters.hostsTimedOut++;
                removeHost(host, "timed out (silent for more than " + peerTimeoutMs + " ms)");
                removed++;
            }
        }
        return removed;
    }

    private void queueFlush(final TaskSwarm swarm)
    {
        if (flushQueueCount == flushQueue.length)
        {
            flushQueue = Arrays.copyOf(flushQueue, flushQueueCount * 2);
        }
        flushQueue[flushQueueCount++] = swarm;
        swarm.flushQueued(true);
    }

    /**
     * Sends every queued {@code PiecesAvailable}: one message per downloading member per task (more only past the
     * size of one message), with only the pieces it lacks, from parents it may use.
     *
     * @return messages sent.
     */
    int flush()
    {
        int sent = 0;
        for (int q = 0; q < flushQueueCount; q++)
        {
            final TaskSwarm swarm = flushQueue[q];
            flushQueue[q] = null;
            swarm.flushQueued(false);
            final int pending = swarm.pendingCount();
            if (pending == 0)
            {
                continue;
            }
            final long[] peers = swarm.pendingPeers();
            final int[] pieces = swarm.pendingPieces();
            final byte[] digests = swarm.digests();
            for (int i = 0, n = swarm.memberCount(); i < n; i++)
            {
                final Member m = swarm.member(i);
                if (!m.isDownloading())
                {
                    continue;
                }
                PiecesAvailableEncoder.PiecesEncoder group = null;
                int entries = 0;
                for (int e = 0; e < pending; e++)
                {
                    final long peer = peers[e];
                    final int piece = pieces[e];
                    if (peer == m.peerId() || m.pieces().get(piece) || m.excludes(peer))
                    {
                        continue;
                    }
                    if (group == null)
                    {
                        available.wrapAndApplyHeader(buffer, 0, header).putTaskId(swarm.taskIdBytes(), 0,
                            TASK_ID_LENGTH);
                        group = available.piecesCount(MAX_AVAILABLE_ENTRIES);
                    }
                    group.next().peerId(peer).pieceIndex(piece).putDigest(digests, piece * TASK_ID_LENGTH,
                        TASK_ID_LENGTH);
                    if (++entries == MAX_AVAILABLE_ENTRIES)
                    {
                        group.resetCountToIndex();
                        send(m.peerId(), HEADER_LENGTH + available.encodedLength());
                        sent++;
                        group = null;
                        entries = 0;
                    }
                }
                if (group != null)
                {
                    group.resetCountToIndex();
                    send(m.peerId(), HEADER_LENGTH + available.encodedLength());
                    sent++;
                }
            }
            swarm.clearPending();
        }
        flushQueueCount = 0;
        return sent;
    }

    private void sendParents(final Member child, final boolean withPeerPieces)
    {
        final TaskSwarm swarm = child.swarm();
        final int count = evaluator.rank(swarm, child);
        for (int i = 0, n = evaluator.slowCount(); i < n; i++)
        {
            final Member slow = evaluator.slow(i);
            if (child.exclude(slow.peerId()))
            {
                counters.slowParentsExcluded++;
                LOG.info("task {}: parent {} excluded for {}: mean piece cost {} ns, far above the swarm's median",
                    SwarmRegistry.shortId(swarm.taskIdBytes()), Long.toHexString(slow.peerId()),
                    Long.toHexString(child.peerId()), slow.host().meanCostNs());
            }
        }
        if (withPeerPieces)
        {
            for (int i = 0; i < count; i++)
            {
                final Member candidate = evaluator.candidate(i);
                if (candidate.pieces().cardinality() > 0)
                {
                    sendPeerPieces(child.peerId(), swarm, candidate);
                }
            }
        }
        parents.wrapAndApplyHeader(buffer, 0, header)
            .putTaskId(swarm.taskIdBytes(), 0, TASK_ID_LENGTH)
            .contentLength(swarm.contentLength())
            .pieceLength(swarm.pieceLength())
            .pieceCount(swarm.pieceCount())
            .digestAlgorithm(DigestAlgorithm.get(swarm.digestAlgorithm()));
        final ParentsEncoder.CandidatesEncoder group = parents.candidatesCount(count);
        for (int i = 0; i < count; i++)
        {
            final Host host = evaluator.candidate(i).host();
            final byte[] address = host.addressBytes();
            group.next()
                .peerId(host.peerId())
                .piecePort(host.piecePort())
                .hostType(host.isSeed() ? HostType.SEED : HostType.NORMAL)
                .score(evaluator.score(i))
                .rdma((short)(host.hasRdma() ? 1 : 0))
                .putAddress(address, 0, address.length);
        }
        final byte[] etag = swarm.etagBytes();
        parents.putEtag(etag, 0, etag.length);
        send(child.peerId(), HEADER_LENGTH + parents.encodedLength());
    }

    private void sendPeerPieces(final long peerId, final TaskSwarm swarm, final Member holder)
    {
        peerPieces.wrapAndApplyHeader(buffer, 0, header)
            .putTaskId(swarm.taskIdBytes(), 0, TASK_ID_LENGTH)
            .peerId(holder.peerId());
        // The var data is a u32 length and the bytes: written in place rather than through a scratch copy.
        final int lengthAt = peerPieces.limit();
        final int length = holder.pieces().copyTo(buffer, lengthAt + 4);
        buffer.putInt(lengthAt, length, java.nio.ByteOrder.LITTLE_ENDIAN);
        peerPieces.limit(lengthAt + 4 + length);
        send(peerId, HEADER_LENGTH + peerPieces.encodedLength());
    }

    private void sendDigests(final Member member)
    {
        final TaskSwarm swarm = member.swarm();
        int first = swarm.digestKnown().nextSetBit(0);
        while (first >= 0)
        {
            int end = swarm.digestKnown().nextClearBit(first);
            if (end < 0)
            {
                end = swarm.pieceCount();
            }
            end = Math.min(end, first + MAX_DIGESTS);
            pieceDigests.wrapAndApplyHeader(buffer, 0, header)
                .putTaskId(swarm.taskIdBytes(), 0, TASK_ID_LENGTH)
                .firstPiece(first)
                .putDigests(swarm.digests(), first * TASK_ID_LENGTH, (end - first) * TASK_ID_LENGTH);
            send(member.peerId(), HEADER_LENGTH + pieceDigests.encodedLength());
            first = end < swarm.pieceCount() ? swarm.digestKnown().nextSetBit(end) : -1;
        }
    }

    private void sendBackToSource(final long peerId, final TaskSwarm swarm, final SourceReason reason)
    {
        final byte[] url = swarm.urlBytes();
        backToSource.wrapAndApplyHeader(buffer, 0, header)
            .putTaskId(swarm.taskIdBytes(), 0, TASK_ID_LENGTH)
            .reason(reason)
            .contentAddressed((short)(swarm.isContentAddressed() ? 1 : 0))
            .putUrl(url, 0, url.length);
        send(peerId, HEADER_LENGTH + backToSource.encodedLength());
    }

    private void sendTaskUnknown(final long peerId, final byte[] taskId)
    {
        taskUnknown.wrapAndApplyHeader(buffer, 0, header).putTaskId(taskId, 0, TASK_ID_LENGTH);
        send(peerId, HEADER_LENGTH + taskUnknown.encodedLength());
    }

    private void sendParentGone(final long peerId, final TaskSwarm swarm, final long gonePeerId)
    {
        parentGone.wrapAndApplyHeader(buffer, 0, header)
            .putTaskId(swarm.taskIdBytes(), 0, TASK_ID_LENGTH)
            .peerId(gonePeerId);
        send(peerId, HEADER_LENGTH + parentGone.encodedLength());
    }

    private void send(final long peerId, final int length)
    {
        if (sender.send(peerId, buffer, 0, length))
        {
            counters.repliesSent++;
        }
        else
        {
            counters.repliesDropped++;
        }
    }
}
