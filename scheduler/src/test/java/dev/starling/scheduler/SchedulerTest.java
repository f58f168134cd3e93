package dev.starling.scheduler;

import dev.starling.dataplane.scheduler.EmbeddedAeron;
import dev.starling.dataplane.scheduler.SchedulerChannels;
import dev.starling.dataplane.scheduler.codec.BackToSourceDecoder;
import dev.starling.dataplane.scheduler.codec.ParentsDecoder;
import dev.starling.dataplane.scheduler.codec.SourceReason;
import dev.starling.dataplane.scheduler.codec.TaskUnknownDecoder;
import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real scheduler on real Aeron, and raw test peers that speak the protocol: over IPC in one media driver, and over
 * UDP on 127.0.0.1 between two drivers with ports the OS picks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SchedulerTest
{
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final byte[] TASK = Wire.taskId(3);

    @TempDir
    Path dir;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown()
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            CloseHelper.quietClose(closeables.get(i));
        }
    }

    private <T extends AutoCloseable> T closeLater(final T closeable)
    {
        closeables.add(closeable);
        return closeable;
    }

    /** A daemon's side, by hand: a publication to the scheduler and a subscription for its replies. */
    private final class TestPeer
    {
        final long peerId;
        final Publication toScheduler;
        final Subscription replies;
        final String replyChannel;
        final int replyStreamId;
        final Wire wire = new Wire();
        final List<UnsafeBuffer> received = new ArrayList<>();
        final FragmentAssembler assembler = new FragmentAssembler((buffer, offset, length, header) ->
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            received.add(new UnsafeBuffer(copy));
        });

        TestPeer(final long peerId, final Aeron aeron, final String schedulerChannel, final String replyChannel,
            final int replyStreamId)
        {
            this.peerId = peerId;
            this.replyStreamId = replyStreamId;
            this.replies = closeLater(aeron.addSubscription(replyChannel, replyStreamId));
            this.replyChannel = SchedulerChannels.isIpc(replyChannel) ? replyChannel :
                SchedulerChannels.udp("127.0.0.1", port(replies));
            this.toScheduler = closeLater(aeron.addPublication(schedulerChannel, SchedulerChannels.SCHEDULER_STREAM_ID));
        }

        void send(final int length)
        {
            final long deadline = System.nanoTime() + WAIT_NS;
            while (toScheduler.offer(wire.buffer(), 0, length) < 0)
            {
                if (System.nanoTime() > deadline)
                {
                    fail("could not send to the scheduler: " + toScheduler.offer(wire.buffer(), 0, length));
                }
                Thread.onSpinWait();
            }
        }

        UnsafeBuffer await(final int templateId)
        {
            final long deadline = System.nanoTime() + WAIT_NS;
            while (System.nanoTime() < deadline)
            {
                replies.poll(assembler, 16);
                for (int i = 0; i < received.size(); i++)
                {
                    if (Wire.templateId(received.get(i)) == templateId)
                    {
                        return received.remove(i);
                    }
                }
                Thread.yield();
            }
            fail("peer " + peerId + " got no message of template " + templateId);
            return null;
        }
    }

    private static int port(final Subscription subscription)
    {
        final long deadline = System.nanoTime() + WAIT_NS;
        while (System.nanoTime() < deadline)
        {
            final List<String> addresses = subscription.localSocketAddresses();
            if (!addresses.isEmpty())
            {
                final String a = addresses.get(0);
                return Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
            }
            Thread.yield();
        }
        throw new IllegalStateException("subscription never bound: " + subscription.channel());
    }

    @Test
    void shouldAnswerARawPeerOverIpcWithBackToSourceThenParents()
    {
        final EmbeddedAeron aeron = closeLater(EmbeddedAeron.launch(dir.resolve("aeron"), 1_000));
        final Scheduler scheduler = closeLater(Scheduler.launch(new SchedulerContext().peerTimeoutMs(5_000),
            aeron.aeron(), SchedulerChannels.IPC));
        final TestPeer a = new TestPeer(21, aeron.aeron(), SchedulerChannels.IPC, SchedulerChannels.IPC,
            SchedulerChannels.REPLY_STREAM_ID);
        final TestPeer b = new TestPeer(22, aeron.aeron(), SchedulerChannels.IPC, SchedulerChannels.IPC,
            SchedulerChannels.REPLY_STREAM_ID + 1);

        a.send(a.wire.registerHost(a.peerId, false, "", "", a.replyChannel, a.replyStreamId));
        assertArrayEquals(new byte[32], Wire.taskUnknownId(a.await(TaskUnknownDecoder.TEMPLATE_ID)));
        a.send(a.wire.registerTask(a.peerId, TASK));
        assertEquals(SourceReason.NO_SEED.value(), Wire.backToSourceReason(a.await(BackToSourceDecoder.TEMPLATE_ID)));
        a.send(a.wire.registerTask(a.peerId, TASK, 1 << 20, 1 << 18, 4));
        assertTrue(Wire.parents(a.await(ParentsDecoder.TEMPLATE_ID)).peers().isEmpty());

        b.send(b.wire.registerHost(b.peerId, false, "", "", b.replyChannel, b.replyStreamId));
        b.await(TaskUnknownDecoder.TEMPLATE_ID);
        b.send(b.wire.registerTask(b.peerId, TASK));

        final Wire.Parents parents = Wire.parents(b.await(ParentsDecoder.TEMPLATE_ID));
        assertEquals(List.of(a.peerId), parents.peers());
        assertEquals(4, parents.pieceCount());
        assertEquals("10.0.0.21", parents.addresses().get(0));
        assertEquals(2, scheduler.counters().hostsRegistered());
        assertEquals(0, scheduler.counters().messagesDropped());
    }

    @Test
    void shouldAnswerARawPeerOverUdpOnPortsTheOsPicks()
    {
        final Scheduler scheduler = closeLater(Scheduler.launch(new SchedulerContext()
            .listen("127.0.0.1:0")
            .aeronDir(dir.resolve("scheduler-aeron"))
            .aeronLivenessMs(1_000)));
        final List<String> listen = scheduler.listenAddresses();
        assertFalse(listen.isEmpty(), "the subscription is bound");
        final String endpoint = listen.get(0);
        final int port = Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
        assertTrue(port > 0);

        final EmbeddedAeron peerAeron = closeLater(EmbeddedAeron.launch(dir.resolve("peer-aeron"), 1_000));
        final TestPeer peer = new TestPeer(31, peerAeron.aeron(), SchedulerChannels.udp("127.0.0.1", port),
            SchedulerChannels.udp("127.0.0.1", 0), SchedulerChannels.REPLY_STREAM_ID);

        peer.send(peer.wire.registerHost(peer.peerId, false, "", "", peer.replyChannel, peer.replyStreamId));
        peer.await(TaskUnknownDecoder.TEMPLATE_ID);
        peer.send(peer.wire.registerTask(peer.peerId, TASK));

        final UnsafeBuffer backToSource = peer.await(BackToSourceDecoder.TEMPLATE_ID);
        assertEquals(SourceReason.NO_SEED.value(), Wire.backToSourceReason(backToSource));
        assertEquals("http://origin/blob", Wire.backToSourceUrl(backToSource));
    }
}
