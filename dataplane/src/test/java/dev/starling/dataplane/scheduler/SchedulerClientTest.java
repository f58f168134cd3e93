package dev.starling.dataplane.scheduler;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.scheduler.codec.BackToSourceEncoder;
import dev.starling.dataplane.scheduler.codec.MessageHeaderDecoder;
import dev.starling.dataplane.scheduler.codec.MessageHeaderEncoder;
import dev.starling.dataplane.scheduler.codec.PeerPiecesEncoder;
import dev.starling.dataplane.scheduler.codec.PieceFinishedDecoder;
import dev.starling.dataplane.scheduler.codec.RegisterHostDecoder;
import dev.starling.dataplane.scheduler.codec.RegisterTaskDecoder;
import dev.starling.dataplane.scheduler.codec.SourceReason;
import dev.starling.dataplane.scheduler.codec.TaskUnknownEncoder;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.task.TaskId;
import io.aeron.Publication;
import io.aeron.Subscription;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon's scheduler client against a scripted scheduler: a raw Aeron subscription and publication on an
 * embedded media driver, over IPC.
 */
@Timeout(60)
class SchedulerClientTest
{
    private static final int REPLY_STREAM = SchedulerChannels.REPLY_STREAM_ID + 7;

    @TempDir
    Path tmp;

    private EmbeddedAeron aeron;
    private Subscription schedulerInbox;
    private Publication toPeer;
    private PieceStore store;
    private SchedulerClient client;
    private final List<String> seedRequests = new CopyOnWriteArrayList<>();
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();

    @BeforeEach
    void setUp()
    {
        aeron = EmbeddedAeron.launch(tmp.resolve("aeron"), 1_000);
        schedulerInbox = aeron.aeron().addSubscription(SchedulerChannels.IPC, SchedulerChannels.SCHEDULER_STREAM_ID);
        toPeer = aeron.aeron().addPublication(SchedulerChannels.IPC, REPLY_STREAM);
        store = PieceStore.open(new DataplaneContext().dataDir(tmp.resolve("data")).indexMaxTasks(1024).conclude());
        client = new SchedulerClient(aeron.aeron(), SchedulerChannels.IPC, SchedulerChannels.IPC, REPLY_STREAM,
            new HostInfo(42, "127.0.0.1", 6500, 8, true, "z1", "r1"), store,
            (id, url) -> seedRequests.add(id.hex() + " " + url), new DataplaneMetrics(), 100).start();
    }

    @AfterEach
    void tearDown()
    {
        client.close();
        store.close();
        aeron.close();
    }

    /** Messages the scheduler received, as (templateId, copy of the bytes). */
    private final List<byte[]> received = new ArrayList<>();

    private void drain()
    {
        schedulerInbox.poll((b, offset, length, h) ->
        {
            final byte[] copy = new byte[length];
            b.getBytes(offset, copy);
            received.add(copy);
        }, 100);
    }

    private static int templateOf(final byte[] message)
    {
        return new MessageHeaderDecoder().wrap(new UnsafeBuffer(message), 0).templateId();
    }

    private void await(final String what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean())
        {
            drain();
            assertTrue(System.nanoTime() < deadline, what);
            Thread.onSpinWait();
        }
    }

    private void send(final int length)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (toPeer.offer(buffer, 0, length) < 0)
        {
            assertTrue(System.nanoTime() < deadline, "cannot send to the peer");
            Thread.onSpinWait();
        }
    }

    @Test
    void shouldRegisterTheHostAsAHeartbeatWithItsReplyChannel()
    {
        await("two heartbeats", () -> received.stream().filter(m -> templateOf(m) == RegisterHostDecoder.TEMPLATE_ID)
            .count() >= 2);
        final byte[] first = received.stream().filter(m -> templateOf(m) == RegisterHostDecoder.TEMPLATE_ID)
            .findFirst().orElseThrow();
        final RegisterHostDecoder d = new RegisterHostDecoder()
            .wrapAndApplyHeader(new UnsafeBuffer(first), 0, new MessageHeaderDecoder());
        assertEquals(42, d.peerId());
        assertEquals(6500, d.piecePort());
        assertEquals(REPLY_STREAM, d.replyStreamId());
        assertEquals("127.0.0.1", d.address());
        assertEquals("z1", d.zone());
        assertEquals("r1", d.rack());
        assertEquals(SchedulerChannels.IPC, d.replyChannel());
        await("the client sees the scheduler", client::isConnected);
    }

    @Test
    void shouldStartASeedDownloadAndGrantItsSessionTheOrigin()
    {
        await("connected", () -> toPeer.isConnected());
        final TaskId id = TaskId.ofUrl("http://origin/a.bin", null, null);
        final BackToSourceEncoder e = new BackToSourceEncoder().wrapAndApplyHeader(buffer, 0, header)
            .putTaskId(id.toBytes(), 0, 32).reason(SourceReason.SEED_ASSIGNED).url("http://origin/a.bin");
        send(MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        await("seed request", () -> !seedRequests.isEmpty());
        assertEquals(id.hex() + " http://origin/a.bin", seedRequests.get(0));
        final TaskSession session = client.openSession(id, "http://origin/a.bin");
        assertTrue(session.sourceGranted(), "the seed's own download must not wait for the scheduler again");
        assertTrue(!client.openSession(id, "http://origin/a.bin").sourceGranted(), "a grant is used once");
    }

    @Test
    void shouldRouteATaskMessageToItsSessionAndDropOthers()
    {
        await("connected", () -> toPeer.isConnected());
        final TaskId id = TaskId.ofUrl("http://origin/b.bin", null, null);
        final TaskId other = TaskId.ofUrl("http://origin/c.bin", null, null);
        final TaskSession session = client.openSession(id, "http://origin/b.bin");
        for (final TaskId t : List.of(other, id))
        {
            final PeerPiecesEncoder e = new PeerPiecesEncoder().wrapAndApplyHeader(buffer, 0, header)
                .putTaskId(t.toBytes(), 0, 32).peerId(7).putBitmap(new byte[] {5}, 0, 1);
            send(MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        }
        final List<Long> peers = new ArrayList<>();
        await("the session's message", () ->
        {
            session.poll((type, b, index, length) -> peers.add(b.getLong(index + MessageHeaderEncoder.ENCODED_LENGTH + 32,
                java.nio.ByteOrder.LITTLE_ENDIAN)), 10);
            return !peers.isEmpty();
        });
        assertEquals(List.of(7L), peers);
        assertTrue(seedRequests.isEmpty());
    }

    @Test
    void shouldRegisterAHeldTaskAndItsPiecesAgainWhenTheSchedulerForgotTheHost()
    {
        await("connected", () -> toPeer.isConnected());
        final TaskId id = TaskId.ofUrl("http://origin/d.bin", null, null);
        final PieceLayout layout = PieceLayout.of(3L * 65536, 65536);
        final TaskHandle handle = store.openTask(id, layout, "\"e1\"");
        final byte[] digest = new byte[32];
        for (int i = 0; i < 3; i++)
        {
            digest[0] = (byte)(i + 1);
            handle.commitPiece(i, digest, 0);
        }
        handle.complete(null);
        final TaskSession session = client.openSession(id, "http://origin/d.bin");
        session.registerTask(layout, handle.pieceDigest(), "\"e1\"");
        session.onDownloadComplete(handle);
        handle.endDownload();
        handle.close();
        received.clear();

        final TaskUnknownEncoder e = new TaskUnknownEncoder().wrapAndApplyHeader(buffer, 0, header)
            .putTaskId(new byte[32], 0, 32);
        send(MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        await("re-registration", () -> received.stream()
            .filter(m -> templateOf(m) == PieceFinishedDecoder.TEMPLATE_ID).count() >= 3);
        final byte[] register = received.stream().filter(m -> templateOf(m) == RegisterTaskDecoder.TEMPLATE_ID)
            .findFirst().orElseThrow();
        final RegisterTaskDecoder r = new RegisterTaskDecoder()
            .wrapAndApplyHeader(new UnsafeBuffer(register), 0, new MessageHeaderDecoder());
        assertEquals(3L * 65536, r.contentLength());
        assertEquals(65536, r.pieceLength());
        assertEquals(3, r.pieceCount());
        final List<Integer> pieces = new ArrayList<>();
        for (final byte[] m : received)
        {
            if (templateOf(m) == PieceFinishedDecoder.TEMPLATE_ID)
            {
                final PieceFinishedDecoder f = new PieceFinishedDecoder()
                    .wrapAndApplyHeader(new UnsafeBuffer(m), 0, new MessageHeaderDecoder());
                assertEquals(-1, f.parentPeerId());
                assertEquals(f.pieceIndex() + 1, f.digest(0));
                pieces.add(f.pieceIndex());
            }
        }
        assertEquals(List.of(0, 1, 2), pieces.subList(0, 3));
    }
}
