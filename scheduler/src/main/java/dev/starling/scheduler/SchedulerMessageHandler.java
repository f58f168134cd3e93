package dev.starling.scheduler;

import dev.starling.dataplane.scheduler.codec.MessageHeaderDecoder;
import dev.starling.dataplane.scheduler.codec.PeerLeftDecoder;
import dev.starling.dataplane.scheduler.codec.PieceFailedDecoder;
import dev.starling.dataplane.scheduler.codec.PieceFinishedDecoder;
import dev.starling.dataplane.scheduler.codec.RegisterHostDecoder;
import dev.starling.dataplane.scheduler.codec.RegisterTaskDecoder;
import dev.starling.dataplane.scheduler.codec.TaskFailedDecoder;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes the messages peers send the scheduler, with one reusable decoder per message, and hands each to
 * {@link SchedulerLogic}. Messages of another schema id, of a higher version, of an unknown template, or too short
 * for what they claim are dropped and counted.
 * <p>
 * Not tied to a subscription: the agent polls through a {@code FragmentAssembler} around it, and a benchmark or a
 * test calls {@link #onMessage} on a buffer directly. Single-threaded; the piece messages allocate nothing (the
 * task id and digest are copied into reusable arrays).
 */
public final class SchedulerMessageHandler implements FragmentHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerMessageHandler.class);

    private final SchedulerLogic logic;
    private final SchedulerCounters counters;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final RegisterHostDecoder registerHost = new RegisterHostDecoder();
    private final RegisterTaskDecoder registerTask = new RegisterTaskDecoder();
    private final PieceFinishedDecoder pieceFinished = new PieceFinishedDecoder();
    private final PieceFailedDecoder pieceFailed = new PieceFailedDecoder();
    private final TaskFailedDecoder taskFailed = new TaskFailedDecoder();
    private final PeerLeftDecoder peerLeft = new PeerLeftDecoder();
    private final byte[] taskId = new byte[32];
    private final byte[] digest = new byte[32];

    /**
     * @param logic where decoded messages go.
     */
    public SchedulerMessageHandler(final SchedulerLogic logic)
    {
        this.logic = logic;
        this.counters = logic.counters();
    }

    @Override
    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header aeronHeader)
    {
        onMessage(buffer, offset, length);
    }

    /**
     * Decodes and applies one message.
     *
     * @param buffer the message; the caller retains it.
     * @param offset where its SBE header starts.
     * @param length its length.
     */
    public void onMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            counters.messagesDropped++;
            return;
        }
        header.wrap(buffer, offset);
        final int schemaId = header.schemaId();
        final int version = header.version();
        if (schemaId != MessageHeaderDecoder.SCHEMA_ID || version > MessageHeaderDecoder.SCHEMA_VERSION)
        {
            counters.messagesDropped++;
            return;
        }
        final int blockLength = header.blockLength();
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int templateId = header.templateId();
        if (length < MessageHeaderDecoder.ENCODED_LENGTH + blockLength)
        {
            counters.messagesDropped++;
            return;
        }
        counters.messagesReceived++;
        try
        {
            switch (templateId)
            {
                case PieceFinishedDecoder.TEMPLATE_ID -> onPieceFinished(buffer, body, blockLength, version);
                case PieceFailedDecoder.TEMPLATE_ID -> onPieceFailed(buffer, body, blockLength, version);
                case RegisterHostDecoder.TEMPLATE_ID -> onRegisterHost(buffer, body, blockLength, version);
                case RegisterTaskDecoder.TEMPLATE_ID -> onRegisterTask(buffer, body, blockLength, version);
                case TaskFailedDecoder.TEMPLATE_ID -> onTaskFailed(buffer, body, blockLength, version);
                case PeerLeftDecoder.TEMPLATE_ID -> onPeerLeft(buffer, body, blockLength, version);
                default ->
                {
                    counters.messagesReceived--;
                    counters.messagesDropped++;
                }
            }
        }
        catch (final IndexOutOfBoundsException | IllegalArgumentException | IllegalStateException ex)
        {
            counters.messagesReceived--;
            counters.messagesDropped++;
            LOG.debug("dropped a malformed message (template {}): {}", templateId, ex.toString());
        }
    }

    private void onPieceFinished(final DirectBuffer buffer, final int body, final int blockLength, final int version)
    {
        final PieceFinishedDecoder d = pieceFinished.wrap(buffer, body, blockLength, version);
        d.getTaskId(taskId, 0, 32);
        d.getDigest(digest, 0, 32);
        logic.onPieceFinished(d.peerId(), taskId, d.pieceIndex(), d.parentPeerId(), d.costNs(), digest);
    }

    private void onPieceFailed(final DirectBuffer buffer, final int body, final int blockLength, final int version)
    {
        final PieceFailedDecoder d = pieceFailed.wrap(buffer, body, blockLength, version);
        d.getTaskId(taskId, 0, 32);
        logic.onPieceFailed(d.peerId(), taskId, d.pieceIndex(), d.parentPeerId(), d.reasonRaw());
    }

    private void onRegisterHost(final DirectBuffer buffer, final int body, final int blockLength, final int version)
    {
        final RegisterHostDecoder d = registerHost.wrap(buffer, body, blockLength, version);
        final long peerId = d.peerId();
        if (peerId == 0 || peerId == -1)
        {
            counters.messagesDropped++;
            return;
        }
        if (logic.onHeartbeat(peerId, d.uploadSlots()))
        {
            return;
        }
        final int piecePort = d.piecePort();
        final int uploadSlots = d.uploadSlots();
        final boolean seed = d.hostTypeRaw() == 1;
        final int replyStreamId = d.replyStreamId();
        final String address = d.address();
        final String zone = d.zone();
        final String rack = d.rack();
        final String replyChannel = d.replyChannel();
        final String rdmaDevice = d.rdmaDevice(); // "" from a version 1 peer
        logic.onRegisterHost(peerId, piecePort, uploadSlots, seed, replyStreamId, address, zone, rack, replyChannel,
            rdmaDevice);
    }

    private void onRegisterTask(final DirectBuffer buffer, final int body, final int blockLength, final int version)
    {
        final RegisterTaskDecoder d = registerTask.wrap(buffer, body, blockLength, version);
        d.getTaskId(taskId, 0, 32);
        final long peerId = d.peerId();
        final long contentLength = d.contentLength();
        final int pieceLength = d.pieceLength();
        final int pieceCount = d.pieceCount();
        final short digestAlgorithm = d.digestAlgorithmRaw();
        final boolean contentAddressed = d.contentAddressed() == 1; // absent (a version 1 peer): not known to be
        final String url = d.url();
        final String etag = d.etag();
        logic.onRegisterTask(peerId, taskId, contentLength, pieceLength, pieceCount, digestAlgorithm, contentAddressed,
            url, etag);
    }

    private void onTaskFailed(final DirectBuffer buffer, final int body, final int blockLength, final int version)
    {
        final TaskFailedDecoder d = taskFailed.wrap(buffer, body, blockLength, version);
        d.getTaskId(taskId, 0, 32);
        logic.onTaskFailed(d.peerId(), taskId, d.errorCode());
    }

    private void onPeerLeft(final DirectBuffer buffer, final int body, final int blockLength, final int version)
    {
        final PeerLeftDecoder d = peerLeft.wrap(buffer, body, blockLength, version);
        d.getTaskId(taskId, 0, 32);
        logic.onPeerLeft(d.peerId(), taskId);
    }
}
