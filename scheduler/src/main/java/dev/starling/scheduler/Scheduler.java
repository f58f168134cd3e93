package dev.starling.scheduler;

import dev.starling.dataplane.scheduler.EmbeddedAeron;
import dev.starling.dataplane.scheduler.SchedulerChannels;
import dev.starling.scheduler.swarm.ParentEvaluator;
import dev.starling.scheduler.swarm.SwarmRegistry;
import io.aeron.Aeron;
import io.aeron.Subscription;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A running scheduler: its Aeron subscription and the {@link SchedulerAgent} on its own thread.
 * <p>
 * {@link #launch(SchedulerContext)} starts an embedded media driver of its own (UDP on the listen address);
 * {@link #launch(SchedulerContext, Aeron, String)} shares a client the caller owns, e.g. on
 * {@link SchedulerChannels#IPC} in one process. {@link #close()} stops the agent, closes the subscription and the
 * reply publications, and the embedded driver when it owns one.
 */
public final class Scheduler implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
    private static final long STATS_WINDOW_MS = 1_000;

    private final SchedulerContext ctx;
    private final EmbeddedAeron embedded;
    private final Subscription subscription;
    private final SchedulerCounters counters;
    private final AgentRunner runner;

    private Scheduler(
        final SchedulerContext ctx,
        final EmbeddedAeron embedded,
        final Aeron aeron,
        final String channel)
    {
        this.ctx = ctx;
        this.embedded = embedded;
        this.counters = new SchedulerCounters();
        this.subscription = aeron.addSubscription(channel, SchedulerChannels.SCHEDULER_STREAM_ID);
        final AeronReplySender sender = new AeronReplySender(aeron, counters);
        final SchedulerLogic logic = new SchedulerLogic(new SwarmRegistry(),
            new ParentEvaluator(ctx.candidateParents(), ParentEvaluator.DEFAULT_SLOW_FACTOR,
                TimeUnit.MILLISECONDS.toNanos(STATS_WINDOW_MS)),
            sender, counters, ctx.maxBackToSource(), ctx.peerTimeoutMs(), STATS_WINDOW_MS, ctx.epochClock().time());
        final SchedulerAgent agent = new SchedulerAgent(subscription, logic, sender, ctx.epochClock());
        this.runner = new AgentRunner(
            new BackoffIdleStrategy(64, 64, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1)),
            ex -> LOG.error("scheduler agent: {}", ex.toString(), ex), null, agent);
        AgentRunner.startOnThread(runner);
    }

    /**
     * Starts an embedded media driver in the context's Aeron directory and a scheduler subscribed on UDP at the
     * context's listen address.
     *
     * @param ctx the settings; concluded here when it was not.
     * @return the running scheduler; the caller closes it.
     */
    public static Scheduler launch(final SchedulerContext ctx)
    {
        if (!ctx.isConcluded())
        {
            ctx.conclude();
        }
        final EmbeddedAeron embedded = EmbeddedAeron.launch(ctx.aeronDir(), ctx.aeronLivenessMs(), ctx.aeronThreading());
        try
        {
            final Scheduler scheduler = new Scheduler(ctx, embedded, embedded.aeron(),
                SchedulerChannels.udp(ctx.listenAddress()));
            LOG.info("scheduler: listening on {} (aeron dir {})", scheduler.listenAddresses(), embedded.directory());
            return scheduler;
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(embedded);
            throw ex;
        }
    }

    /**
     * Starts a scheduler on a client the caller owns.
     *
     * @param ctx     the settings (the listen address and Aeron directory are not used); concluded here when it was
     *                not.
     * @param aeron   the client; the caller keeps ownership and closes it after this scheduler.
     * @param channel the channel to subscribe on, e.g. {@link SchedulerChannels#IPC}.
     * @return the running scheduler; the caller closes it.
     */
    public static Scheduler launch(final SchedulerContext ctx, final Aeron aeron, final String channel)
    {
        if (!ctx.isConcluded())
        {
            ctx.conclude();
        }
        final Scheduler scheduler = new Scheduler(ctx, null, aeron, channel);
        LOG.info("scheduler: subscribed on {}", channel);
        return scheduler;
    }

    /**
     * @return the addresses the UDP subscription is bound to ({@code host:port}, port 0 resolved; waits up to a
     *         second for the binding); empty for IPC.
     */
    public List<String> listenAddresses()
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        List<String> addresses = subscription.localSocketAddresses();
        while (addresses.isEmpty() && !SchedulerChannels.isIpc(subscription.channel()) &&
            System.nanoTime() < deadlineNs)
        {
            Thread.onSpinWait();
            addresses = subscription.localSocketAddresses();
        }
        return addresses;
    }

    /** @return the counters (written by the agent thread, read here slightly stale). */
    public SchedulerCounters counters()
    {
        return counters;
    }

    /** @return the settings. */
    public SchedulerContext context()
    {
        return ctx;
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(runner);
        CloseHelper.quietClose(embedded);
        LOG.info("scheduler: stopped");
    }
}
