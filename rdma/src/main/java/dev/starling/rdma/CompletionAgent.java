package dev.starling.rdma;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the provider's completion queue and hands each READ's completion to the slot it names (and through it to
 * the connection's event loop). Runs on its own thread with the configured idle strategy (busy-spin or backoff).
 * It is also where slots are retired: a connection whose queue pair is destroyed queues its slots here, and the
 * agent drains the completion queue before it frees them, so a late completion can never reach a slot that has
 * been given to another connection.
 */
final class CompletionAgent implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(CompletionAgent.class);

    private final Fabric fabric;
    private final StagingPool pool;
    private final ManyToOneConcurrentLinkedQueue<ReadSlot[]> retiring = new ManyToOneConcurrentLinkedQueue<>();
    private final Fabric.CompletionHandler onCompletion = this::onCompletion;
    private long strayCompletions;

    CompletionAgent(final Fabric fabric, final StagingPool pool)
    {
        this.fabric = fabric;
        this.pool = pool;
    }

    @Override
    public String roleName()
    {
        return "starling-rdma-completions";
    }

    @Override
    public int doWork()
    {
        int work = fabric.pollCompletions(onCompletion);
        if (!retiring.isEmpty())
        {
            int n;
            while ((n = fabric.pollCompletions(onCompletion)) > 0)
            {
                work += n;
            }
            ReadSlot[] slots;
            while ((slots = retiring.poll()) != null)
            {
                pool.retire(slots);
                work++;
            }
        }
        return work;
    }

    private void onCompletion(final long wrId, final int status, final int byteLength)
    {
        final ReadSlot slot = pool.slot(wrId);
        if (slot == null)
        {
            if (strayCompletions++ == 0)
            {
                LOG.warn("rdma: completion for no slot (work request {}, status {})", wrId,
                    fabric.describeStatus(status));
            }
            return;
        }
        slot.onCompletion(status);
    }

    /**
     * Frees a closed connection's slots once the completion queue has been drained. Any thread; only after the
     * connection's queue pair is destroyed.
     *
     * @param slots the connection's slots; ownership transfers.
     */
    void retire(final ReadSlot[] slots)
    {
        retiring.offer(slots);
    }
}
