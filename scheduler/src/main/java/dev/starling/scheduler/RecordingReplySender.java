package dev.starling.scheduler;

import dev.starling.dataplane.scheduler.codec.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ReplySender} for tests and benchmarks: counts every message and, when asked to, keeps a copy of each.
 * Counting alone allocates nothing.
 */
public final class RecordingReplySender implements ReplySender
{
    /** One message sent to one host: a copy of its bytes. */
    public record Sent(long peerId, int templateId, UnsafeBuffer buffer)
    {
    }

    private final boolean retain;
    private final List<Sent> sent = new ArrayList<>();
    private final List<Long> registered = new ArrayList<>();
    private final List<Long> removed = new ArrayList<>();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private long messages;
    private long bytes;

    /**
     * @param retain true to keep a copy of every message (tests); false to count only (benchmarks).
     */
    public RecordingReplySender(final boolean retain)
    {
        this.retain = retain;
    }

    @Override
    public void onHostRegistered(final long peerId, final String replyChannel, final int replyStreamId)
    {
        if (retain)
        {
            registered.add(peerId);
        }
    }

    @Override
    public void onHostRemoved(final long peerId)
    {
        if (retain)
        {
            removed.add(peerId);
        }
    }

    @Override
    public boolean send(final long peerId, final DirectBuffer buffer, final int offset, final int length)
    {
        messages++;
        bytes += length;
        if (retain)
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            header.wrap(buffer, offset);
            sent.add(new Sent(peerId, header.templateId(), new UnsafeBuffer(copy)));
        }
        return true;
    }

    /** @return every message kept, in order. */
    public List<Sent> sent()
    {
        return sent;
    }

    /**
     * @param peerId     a host.
     * @param templateId a message template id.
     * @return the messages of that template sent to that host, in order.
     */
    public List<Sent> sent(final long peerId, final int templateId)
    {
        final List<Sent> out = new ArrayList<>();
        for (final Sent s : sent)
        {
            if (s.peerId() == peerId && s.templateId() == templateId)
            {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * @param templateId a message template id.
     * @return how many messages of that template were kept.
     */
    public int count(final int templateId)
    {
        int n = 0;
        for (final Sent s : sent)
        {
            if (s.templateId() == templateId)
            {
                n++;
            }
        }
        return n;
    }

    /** @return hosts whose reply channel was opened. */
    public List<Long> registered()
    {
        return registered;
    }

    /** @return hosts whose reply channel was closed. */
    public List<Long> removed()
    {
        return removed;
    }

    /** @return messages sent. */
    public long messages()
    {
        return messages;
    }

    /** @return bytes sent. */
    public long bytes()
    {
        return bytes;
    }

    /**
     * Forgets the kept messages (the counts stay).
     */
    public void clear()
    {
        sent.clear();
    }
}
