package dev.starling.scheduler;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;

/**
 * The scheduler's one thread of work: each duty cycle reads the clock once, polls the scheduler's subscription
 * (messages reassembled by a {@link FragmentAssembler} and decoded by a {@link SchedulerMessageHandler}), then lets
 * {@link SchedulerLogic} send the batched replies and check timeouts, and the {@link ReplySender} drain what waits.
 * <p>
 * Owns the subscription and the sender once started: {@link #onClose()} closes both.
 */
public final class SchedulerAgent implements Agent
{
    /** Fragments polled per duty cycle: the batch one flush of {@code PiecesAvailable} covers. */
    public static final int FRAGMENT_LIMIT = 64;

    private final Subscription subscription;
    private final SchedulerLogic logic;
    private final ReplySender sender;
    private final EpochClock clock;
    private final FragmentAssembler assembler;

    /**
     * @param subscription the scheduler's subscription; ownership transfers to this agent.
     * @param logic        the conversation.
     * @param sender       where replies go (the one {@code logic} uses); ownership transfers to this agent.
     * @param clock        read once per duty cycle.
     */
    public SchedulerAgent(
        final Subscription subscription,
        final SchedulerLogic logic,
        final ReplySender sender,
        final EpochClock clock)
    {
        this.subscription = subscription;
        this.logic = logic;
        this.sender = sender;
        this.clock = clock;
        this.assembler = new FragmentAssembler(new SchedulerMessageHandler(logic));
    }

    @Override
    public int doWork()
    {
        final long nowMs = clock.time();
        logic.nowMs(nowMs);
        int work = subscription.poll(assembler, FRAGMENT_LIMIT);
        work += logic.doWork(nowMs);
        work += sender.doWork();
        return work;
    }

    @Override
    public void onClose()
    {
        if (sender instanceof AutoCloseable closeable)
        {
            CloseHelper.quietClose(closeable);
        }
        CloseHelper.quietClose(subscription);
    }

    @Override
    public String roleName()
    {
        return "starling-scheduler";
    }
}
