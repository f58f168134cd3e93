package dev.starling.scheduler;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.exceptions.AeronException;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;

/**
 * Replies over Aeron: one publication per host, on the channel and stream it announced in {@code RegisterHost}.
 * <p>
 * Nothing here blocks the agent: publications are added asynchronously, and until one is ready and connected the
 * host's messages wait in a small backlog of its own ({@value #BACKLOG_BYTES} bytes; beyond it they are dropped and
 * counted), drained in {@link #doWork()}. A connected publication that stays back-pressured through
 * {@value #MAX_OFFER_ATTEMPTS} offers drops the message and counts it: the peer re-registers, and the state it
 * needs is sent again then. Owned by the agent thread.
 */
public final class AeronReplySender implements ReplySender, AutoCloseable
{
    /** Offers of one message before it is dropped as back-pressured. */
    public static final int MAX_OFFER_ATTEMPTS = 3;
    /** Bytes a host's messages may take while its publication is not connected. */
    public static final int BACKLOG_BYTES = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(AeronReplySender.class);

    private final Aeron aeron;
    private final SchedulerCounters counters;
    private final Long2ObjectHashMap<Slot> slots = new Long2ObjectHashMap<>();
    private final ArrayList<Slot> waiting = new ArrayList<>();

    private static final class Slot
    {
        final long peerId;
        final long registrationId;
        final String channel;
        Publication publication;
        UnsafeBuffer backlog;
        int backlogLength;
        boolean waiting;

        Slot(final long peerId, final long registrationId, final String channel)
        {
            this.peerId = peerId;
            this.registrationId = registrationId;
            this.channel = channel;
        }
    }

    /**
     * @param aeron    the client publications are added through; the caller owns it.
     * @param counters where drops are counted.
     */
    public AeronReplySender(final Aeron aeron, final SchedulerCounters counters)
    {
        this.aeron = aeron;
        this.counters = counters;
    }

    @Override
    public void onHostRegistered(final long peerId, final String replyChannel, final int replyStreamId)
    {
        onHostRemoved(peerId);
        final long registrationId;
        try
        {
            registrationId = aeron.asyncAddPublication(replyChannel, replyStreamId);
        }
        catch (final AeronException | IllegalArgumentException ex)
        {
            LOG.warn("host {}: cannot publish to its reply channel {} stream {}: {}", Long.toHexString(peerId),
                replyChannel, replyStreamId, ex.toString());
            return;
        }
        final Slot slot = new Slot(peerId, registrationId, replyChannel);
        slots.put(peerId, slot);
        markWaiting(slot);
    }

    @Override
    public void onHostRemoved(final long peerId)
    {
        final Slot slot = slots.remove(peerId);
        if (slot == null)
        {
            return;
        }
        if (slot.waiting)
        {
            waiting.remove(slot);
        }
        // Asynchronous either way: the agent thread must not wait on the media driver for a leaving host.
        try
        {
            aeron.asyncRemovePublication(slot.registrationId);
        }
        catch (final AeronException ex)
        {
            LOG.debug("host {}: removing its publication: {}", Long.toHexString(peerId), ex.toString());
        }
    }

    @Override
    public boolean send(final long peerId, final DirectBuffer buffer, final int offset, final int length)
    {
        final Slot slot = slots.get(peerId);
        if (slot == null)
        {
            return false;
        }
        if (slot.backlogLength == 0 && slot.publication != null)
        {
            final long result = offer(slot.publication, buffer, offset, length);
            if (result > 0)
            {
                return true;
            }
            if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION)
            {
                counters.backPressureDrops++;
                return false;
            }
            if (result != Publication.NOT_CONNECTED)
            {
                return false;
            }
        }
        return queue(slot, buffer, offset, length);
    }

    @Override
    public int doWork()
    {
        int work = 0;
        for (int i = waiting.size() - 1; i >= 0; i--)
        {
            final Slot slot = waiting.get(i);
            if (slot.publication == null)
            {
                try
                {
                    slot.publication = aeron.getPublication(slot.registrationId);
                }
                catch (final AeronException ex)
                {
                    LOG.warn("host {}: its reply channel {} was refused: {}", Long.toHexString(slot.peerId),
                        slot.channel, ex.toString());
                    waiting.remove(i);
                    slot.waiting = false;
                    slots.remove(slot.peerId);
                    counters.repliesDropped++;
                    continue;
                }
                if (slot.publication == null)
                {
                    continue;
                }
                work++;
            }
            if (slot.backlogLength > 0 && slot.publication.isConnected())
            {
                work += drain(slot);
            }
            if (slot.backlogLength == 0)
            {
                waiting.remove(i);
                slot.waiting = false;
            }
        }
        return work;
    }

    @Override
    public void close()
    {
        for (final Slot slot : slots.values())
        {
            CloseHelper.quietClose(slot.publication);
        }
        slots.clear();
        waiting.clear();
    }

    private int drain(final Slot slot)
    {
        final UnsafeBuffer backlog = slot.backlog;
        int position = 0;
        int sent = 0;
        while (position < slot.backlogLength)
        {
            final int length = backlog.getInt(position);
            final long result = offer(slot.publication, backlog, position + 4, length);
            if (result < 0)
            {
                if (result != Publication.NOT_CONNECTED && result != Publication.BACK_PRESSURED &&
                    result != Publication.ADMIN_ACTION)
                {
                    counters.repliesDropped++;
                    position += 4 + length;
                    continue;
                }
                break;
            }
            position += 4 + length;
            sent++;
        }
        final int remaining = slot.backlogLength - position;
        if (remaining > 0 && position > 0)
        {
            backlog.putBytes(0, backlog, position, remaining);
        }
        slot.backlogLength = remaining;
        return sent;
    }

    private boolean queue(final Slot slot, final DirectBuffer buffer, final int offset, final int length)
    {
        if (slot.backlog == null)
        {
            slot.backlog = new UnsafeBuffer(new byte[BACKLOG_BYTES]);
        }
        if (slot.backlogLength + 4 + length > BACKLOG_BYTES)
        {
            return false;
        }
        slot.backlog.putInt(slot.backlogLength, length);
        slot.backlog.putBytes(slot.backlogLength + 4, buffer, offset, length);
        slot.backlogLength += 4 + length;
        markWaiting(slot);
        return true;
    }

    private void markWaiting(final Slot slot)
    {
        if (!slot.waiting)
        {
            slot.waiting = true;
            waiting.add(slot);
        }
    }

    private static long offer(final Publication publication, final DirectBuffer buffer, final int offset, final int length)
    {
        long result = 0;
        for (int attempt = 0; attempt < MAX_OFFER_ATTEMPTS; attempt++)
        {
            result = publication.offer(buffer, offset, length);
            if (result > 0 || (result != Publication.BACK_PRESSURED && result != Publication.ADMIN_ACTION))
            {
                return result;
            }
        }
        return result;
    }
}
