package dev.starling.dataplane.scheduler;

import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.scheduler.codec.BackToSourceDecoder;
import dev.starling.dataplane.scheduler.codec.HostType;
import dev.starling.dataplane.scheduler.codec.MessageHeaderDecoder;
import dev.starling.dataplane.scheduler.codec.MessageHeaderEncoder;
import dev.starling.dataplane.scheduler.codec.PieceFinishedEncoder;
import dev.starling.dataplane.scheduler.codec.RegisterHostEncoder;
import dev.starling.dataplane.scheduler.codec.RegisterTaskEncoder;
import dev.starling.dataplane.scheduler.codec.TaskUnknownDecoder;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.TaskId;
import dev.starling.dataplane.task.TaskKey;
import io.aeron.Aeron;
import io.aeron.ConcurrentPublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's side of the scheduler protocol: one per daemon, an Agrona {@link Agent} on a thread of its own.
 * <p>
 * It publishes to the scheduler, subscribes to this daemon's reply channel, sends {@code RegisterHost} as a
 * heartbeat, hands each task's messages to its {@link TaskSession}, starts seed downloads the scheduler asks for
 * ({@link SeedHandler}), and answers a scheduler that lost this host (it restarted) by registering every task again:
 * downloading tasks through their coordinator, held tasks itself from the store.
 * <p>
 * Threading: the agent thread owns the subscription and the heartbeat buffer; coordinators offer through the
 * publication (Aeron's {@link ConcurrentPublication} is thread-safe) from their sessions' own buffers.
 */
public final class SchedulerClient implements Agent, AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerClient.class);
    private static final int OFFER_ATTEMPTS = 64;

    private final Aeron aeron;
    private final HostInfo host;
    private final PieceStore store;
    private final SeedHandler seedHandler;
    private final DataplaneMetrics metrics;
    private final long heartbeatIntervalNs;
    private final ConcurrentPublication publication;
    private final Subscription subscription;
    private final String replyChannel;
    private final int replyStreamId;
    private final Map<TaskKey, TaskSession> sessions = new ConcurrentHashMap<>();
    private final java.util.Set<TaskKey> granted = ConcurrentHashMap.newKeySet();
    private final TaskKey probe = TaskKey.probe();
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final BackToSourceDecoder backToSource = new BackToSourceDecoder();
    private final TaskUnknownDecoder taskUnknown = new TaskUnknownDecoder();
    private final UnsafeBuffer agentBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024));
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final RegisterHostEncoder registerHost = new RegisterHostEncoder();
    private final RegisterTaskEncoder registerTask = new RegisterTaskEncoder();
    private final PieceFinishedEncoder pieceFinished = new PieceFinishedEncoder();
    private final byte[] digest = new byte[32];
    private volatile boolean connected;
    private long nextHeartbeatNs;
    private AgentRunner runner;

    /**
     * @param aeron               a connected Aeron client; caller retains.
     * @param schedulerChannel    the scheduler's channel ({@link SchedulerChannels#udp} or {@link SchedulerChannels#IPC}).
     * @param replyChannel        where this daemon subscribes for replies: UDP on its own address, port 0 allowed.
     * @param replyStreamId       the reply stream (distinct per daemon on IPC).
     * @param host                how this daemon describes itself.
     * @param store               the store, to re-register held tasks; caller retains.
     * @param seedHandler         starts downloads the scheduler asks for.
     * @param metrics             counters; caller retains.
     * @param heartbeatIntervalMs how often {@code RegisterHost} goes out.
     */
    public SchedulerClient(
        final Aeron aeron,
        final String schedulerChannel,
        final String replyChannel,
        final int replyStreamId,
        final HostInfo host,
        final PieceStore store,
        final SeedHandler seedHandler,
        final DataplaneMetrics metrics,
        final long heartbeatIntervalMs)
    {
        this.aeron = aeron;
        this.host = host;
        this.store = store;
        this.seedHandler = seedHandler;
        this.metrics = metrics;
        this.heartbeatIntervalNs = TimeUnit.MILLISECONDS.toNanos(heartbeatIntervalMs);
        this.replyStreamId = replyStreamId;
        this.publication = aeron.addPublication(schedulerChannel, SchedulerChannels.SCHEDULER_STREAM_ID);
        this.subscription = aeron.addSubscription(replyChannel, replyStreamId);
        this.replyChannel = resolve(subscription, replyChannel);
        metrics.schedulerConnected(false);
    }

    private static String resolve(final Subscription subscription, final String channel)
    {
        if (SchedulerChannels.isIpc(channel))
        {
            return channel;
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String resolved;
        while ((resolved = subscription.tryResolveChannelEndpointPort()) == null || resolved.endsWith(":0"))
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("reply channel did not bind: " + channel);
            }
            Thread.onSpinWait();
        }
        return resolved;
    }

    /**
     * Starts the agent on its own thread. Tasks already complete in the store (from before a restart) are held
     * first, so that the scheduler's first "who are you" ({@code TaskUnknown} for no task) registers them: a
     * restarted daemon serves what it holds without downloading it again anywhere.
     *
     * @return this.
     */
    public SchedulerClient start()
    {
        int held = 0;
        for (final TaskId id : store.completeTaskIds())
        {
            try (TaskHandle handle = store.openForServing(id))
            {
                if (handle != null && handle.isComplete())
                {
                    sessions.put(TaskKey.copyOf(id.toBytes()), new TaskSession(this, id, "", false, handle));
                    held++;
                }
            }
        }
        if (held > 0)
        {
            LOG.info("holding {} complete task(s) from the store for the swarm", held);
        }
        runner = new AgentRunner(new BackoffIdleStrategy(64, 16, TimeUnit.MICROSECONDS.toNanos(10),
            TimeUnit.MILLISECONDS.toNanos(1)), ex -> LOG.warn("scheduler client: {}", ex.toString(), ex), null, this);
        AgentRunner.startOnThread(runner);
        return this;
    }

    /**
     * @return how this daemon describes itself.
     */
    public HostInfo host()
    {
        return host;
    }

    /**
     * @return the resolved reply channel this daemon announces.
     */
    public String replyChannel()
    {
        return replyChannel;
    }

    /**
     * @return true while the scheduler is reachable (its subscription is connected to this daemon's publication).
     */
    public boolean isConnected()
    {
        return connected;
    }

    /**
     * Opens the conversation about a task. The coordinator owns the session and closes it.
     *
     * @param taskId the task.
     * @param url    its origin URL.
     * @return the session (a fresh one replaces an earlier, held one).
     */
    public TaskSession openSession(final TaskId taskId, final String url)
    {
        final TaskSession session = new TaskSession(this, taskId, url, granted.remove(TaskKey.copyOf(taskId.toBytes())));
        final TaskSession previous = sessions.put(TaskKey.copyOf(taskId.toBytes()), session);
        if (previous != null && previous.held() != null)
        {
            previous.held().close();
        }
        return session;
    }

    /**
     * @return sessions known (downloading or held); for tests.
     */
    public int sessionCount()
    {
        return sessions.size();
    }

    @Override
    public String roleName()
    {
        return "starling-scheduler-client";
    }

    @Override
    public int doWork()
    {
        int work = subscription.poll(assembler, 16);
        final long now = System.nanoTime();
        final boolean nowConnected = publication.isConnected();
        if (nowConnected != connected)
        {
            connected = nowConnected;
            metrics.schedulerConnected(nowConnected);
            if (nowConnected)
            {
                LOG.info("scheduler connected");
            }
            else
            {
                LOG.warn("scheduler unreachable: downloads continue with the parents they know, then the origin");
            }
            nextHeartbeatNs = now;
        }
        if (now >= nextHeartbeatNs)
        {
            nextHeartbeatNs = now + heartbeatIntervalNs;
            sendRegisterHost();
            work++;
        }
        return work;
    }

    private void sendRegisterHost()
    {
        registerHost.wrapAndApplyHeader(agentBuffer, 0, headerEncoder)
            .peerId(host.peerId())
            .piecePort(host.piecePort())
            .uploadSlots(host.uploadSlots())
            .hostType(host.seed() ? HostType.SEED : HostType.NORMAL)
            .replyStreamId(replyStreamId)
            .address(host.address())
            .zone(host.zone())
            .rack(host.rack())
            .replyChannel(replyChannel)
            .rdmaDevice(host.rdmaDevice());
        offer(agentBuffer, MessageHeaderEncoder.ENCODED_LENGTH + registerHost.encodedLength());
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != MessageHeaderDecoder.SCHEMA_ID)
        {
            return;
        }
        final int templateId = headerDecoder.templateId();
        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        // Every scheduler-to-peer message starts with the task id.
        buffer.getBytes(bodyOffset, probe.bytes(), 0, TaskId.LENGTH_BYTES);
        if (templateId == TaskUnknownDecoder.TEMPLATE_ID && isZero(probe.bytes()))
        {
            if (!sessions.isEmpty())
            {
                LOG.info("scheduler did not know this host (it restarted?): registering {} task(s) again",
                    sessions.size());
            }
            for (final TaskSession s : sessions.values())
            {
                reRegister(s, buffer, offset, length, templateId);
            }
            return;
        }
        final TaskSession session = sessions.get(probe.rehash());
        if (session == null)
        {
            if (templateId == BackToSourceDecoder.TEMPLATE_ID)
            {
                backToSource.wrapAndApplyHeader(buffer, offset, headerDecoder);
                final String url = backToSource.url();
                // A content-addressed task stays one on the seed: it gets the same piece digest as its children under
                // the same policy, and the seed checks the content it fetches against the id.
                final TaskId id = TaskId.fromBytes(probe.bytes().clone(), backToSource.contentAddressed() == 1);
                LOG.info("scheduler asks this node to fetch task {} from its origin", id);
                granted.add(TaskKey.copyOf(id.toBytes()));
                seedHandler.onSeedRequest(id, url);
            }
            return;
        }
        if (session.isDownloading())
        {
            session.deliver(templateId, buffer, offset, length);
        }
        else if (templateId == TaskUnknownDecoder.TEMPLATE_ID)
        {
            reRegister(session, buffer, offset, length, templateId);
        }
    }

    private void reRegister(
        final TaskSession session, final DirectBuffer buffer, final int offset, final int length, final int templateId)
    {
        if (session.isDownloading())
        {
            session.deliver(templateId, buffer, offset, length);
            return;
        }
        final TaskHandle held = session.isStored() ? store.openForServing(session.taskId()) : session.held();
        try
        {
            if (held == null || !held.isComplete())
            {
                if (session.isStored())
                {
                    // Evicted (or replaced) since the daemon started: nothing to announce any more.
                    sessions.remove(TaskKey.copyOf(session.taskKey()), session);
                }
                return;
            }
            if (!session.sendRegisterTask(agentBuffer, registerTask, headerEncoder))
            {
                return;
            }
            for (int i = 0, n = held.layout().pieceCount(); i < n; i++)
            {
                if (held.readFinishedPiece(i, digest))
                {
                    pieceFinished.wrapAndApplyHeader(agentBuffer, 0, headerEncoder)
                        .peerId(host.peerId())
                        .putTaskId(session.taskKey(), 0, 32)
                        .pieceIndex(i)
                        .parentPeerId(-1)
                        .costNs(0)
                        .putDigest(digest, 0, 32);
                    offer(agentBuffer, MessageHeaderEncoder.ENCODED_LENGTH + pieceFinished.encodedLength());
                }
            }
        }
        finally
        {
            if (session.isStored() && held != null)
            {
                held.close();
            }
        }
    }

    /**
     * Offers a message, retrying briefly on back pressure; drops it when the scheduler is not connected (state is
     * sent again on re-registration).
     *
     * @return true when it went out.
     */
    boolean offer(final DirectBuffer buffer, final int length)
    {
        for (int i = 0; i < OFFER_ATTEMPTS; i++)
        {
            final long result = publication.offer(buffer, 0, length);
            if (result > 0)
            {
                return true;
            }
            if (result == Publication.NOT_CONNECTED || result == Publication.CLOSED ||
                result == Publication.MAX_POSITION_EXCEEDED)
            {
                return false;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    TaskHandle retain(final TaskHandle handle)
    {
        return store.openForServing(handle.id());
    }

    void remove(final TaskSession session)
    {
        sessions.remove(TaskKey.copyOf(session.taskKey()), session);
    }

    @Override
    public void close()
    {
        if (runner != null)
        {
            CloseHelper.quietClose(runner);
        }
        for (final TaskSession s : sessions.values())
        {
            final TaskHandle held = s.held();
            if (held != null)
            {
                held.close();
            }
        }
        sessions.clear();
        CloseHelper.quietCloseAll(subscription, publication);
    }

    private static boolean isZero(final byte[] bytes)
    {
        for (final byte b : bytes)
        {
            if (b != 0)
            {
                return false;
            }
        }
        return true;
    }
}
