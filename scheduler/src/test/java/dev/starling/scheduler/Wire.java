package dev.starling.scheduler;

import dev.starling.dataplane.scheduler.codec.BackToSourceDecoder;
import dev.starling.dataplane.scheduler.codec.DigestAlgorithm;
import dev.starling.dataplane.scheduler.codec.FailureReason;
import dev.starling.dataplane.scheduler.codec.HostType;
import dev.starling.dataplane.scheduler.codec.MessageHeaderDecoder;
import dev.starling.dataplane.scheduler.codec.MessageHeaderEncoder;
import dev.starling.dataplane.scheduler.codec.ParentGoneDecoder;
import dev.starling.dataplane.scheduler.codec.ParentsDecoder;
import dev.starling.dataplane.scheduler.codec.PeerLeftEncoder;
import dev.starling.dataplane.scheduler.codec.PeerPiecesDecoder;
import dev.starling.dataplane.scheduler.codec.PieceDigestsDecoder;
import dev.starling.dataplane.scheduler.codec.PieceFailedEncoder;
import dev.starling.dataplane.scheduler.codec.PieceFinishedEncoder;
import dev.starling.dataplane.scheduler.codec.PiecesAvailableDecoder;
import dev.starling.dataplane.scheduler.codec.RegisterHostEncoder;
import dev.starling.dataplane.scheduler.codec.RegisterTaskEncoder;
import dev.starling.dataplane.scheduler.codec.TaskFailedEncoder;
import dev.starling.dataplane.scheduler.codec.TaskUnknownDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Test helpers: a peer's messages encoded as a daemon would, and the scheduler's replies decoded into records.
 */
final class Wire
{
    static final int HEADER = MessageHeaderEncoder.ENCODED_LENGTH;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64 * 1024]);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();

    static byte[] taskId(final int seed)
    {
        final byte[] id = new byte[32];
        for (int i = 0; i < 32; i++)
        {
            id[i] = (byte)(seed * 31 + i * 7 + 1);
        }
        return id;
    }

    static byte[] digest(final int piece, final int variant)
    {
        final byte[] d = new byte[32];
        Arrays.fill(d, (byte)(piece * 13 + variant));
        d[0] = (byte)piece;
        d[1] = (byte)(piece >> 8);
        return d;
    }

    DirectBuffer buffer()
    {
        return buffer;
    }

    int registerHost(final long peerId, final boolean seed, final String zone, final String rack, final String channel,
        final int streamId)
    {
        return registerHost(peerId, seed, zone, rack, channel, streamId, "");
    }

    int registerHost(final long peerId, final boolean seed, final String zone, final String rack, final String channel,
        final int streamId, final String rdmaDevice)
    {
        final RegisterHostEncoder e = new RegisterHostEncoder().wrapAndApplyHeader(buffer, 0, header);
        e.peerId(peerId).piecePort(65000).uploadSlots(4).hostType(seed ? HostType.SEED : HostType.NORMAL)
            .replyStreamId(streamId).address("10.0.0." + (peerId & 0xFF)).zone(zone).rack(rack).replyChannel(channel)
            .rdmaDevice(rdmaDevice);
        return HEADER + e.encodedLength();
    }

    int registerHost(final long peerId, final boolean seed)
    {
        return registerHost(peerId, seed, "", "", "aeron:ipc", 100 + (int)peerId);
    }

    int registerTask(final long peerId, final byte[] taskId, final long contentLength, final int pieceLength,
        final int pieceCount)
    {
        return registerTask(peerId, taskId, contentLength, pieceLength, pieceCount, false);
    }

    int registerTask(final long peerId, final byte[] taskId, final long contentLength, final int pieceLength,
        final int pieceCount, final boolean contentAddressed)
    {
        final RegisterTaskEncoder e = new RegisterTaskEncoder().wrapAndApplyHeader(buffer, 0, header);
        e.peerId(peerId).putTaskId(taskId, 0, 32).contentLength(contentLength).pieceLength(pieceLength)
            .pieceCount(pieceCount).digestAlgorithm(DigestAlgorithm.SHA256)
            .contentAddressed((short)(contentAddressed ? 1 : 0)).url("http://origin/blob").etag("\"e1\"");
        return HEADER + e.encodedLength();
    }

    int registerTask(final long peerId, final byte[] taskId)
    {
        return registerTask(peerId, taskId, -1, 0, 0);
    }

    int pieceFinished(final long peerId, final byte[] taskId, final int piece, final long parent, final long costNs,
        final byte[] digest)
    {
        final PieceFinishedEncoder e = new PieceFinishedEncoder().wrapAndApplyHeader(buffer, 0, header);
        e.peerId(peerId).putTaskId(taskId, 0, 32).pieceIndex(piece).parentPeerId(parent).costNs(costNs)
            .putDigest(digest, 0, 32);
        return HEADER + e.encodedLength();
    }

    int pieceFailed(final long peerId, final byte[] taskId, final int piece, final long parent,
        final FailureReason reason)
    {
        final PieceFailedEncoder e = new PieceFailedEncoder().wrapAndApplyHeader(buffer, 0, header);
        e.peerId(peerId).putTaskId(taskId, 0, 32).pieceIndex(piece).parentPeerId(parent).reason(reason);
        return HEADER + e.encodedLength();
    }

    int taskFailed(final long peerId, final byte[] taskId)
    {
        final TaskFailedEncoder e = new TaskFailedEncoder().wrapAndApplyHeader(buffer, 0, header);
        e.peerId(peerId).putTaskId(taskId, 0, 32).errorCode(7);
        return HEADER + e.encodedLength();
    }

    int peerLeft(final long peerId, final byte[] taskId)
    {
        final PeerLeftEncoder e = new PeerLeftEncoder().wrapAndApplyHeader(buffer, 0, header);
        e.peerId(peerId).putTaskId(taskId, 0, 32);
        return HEADER + e.encodedLength();
    }

    // Replies, decoded.

    record Parents(byte[] taskId, long contentLength, int pieceLength, int pieceCount, List<Long> peers,
        List<Integer> scores, List<String> addresses, String etag, List<Boolean> rdma)
    {
    }

    record Available(long peerId, int piece, byte[] digest)
    {
    }

    static int templateId(final DirectBuffer b)
    {
        return new MessageHeaderDecoder().wrap(b, 0).templateId();
    }

    static Parents parents(final DirectBuffer b)
    {
        final ParentsDecoder d = new ParentsDecoder().wrapAndApplyHeader(b, 0, new MessageHeaderDecoder());
        final byte[] id = new byte[32];
        d.getTaskId(id, 0, 32);
        final List<Long> peers = new ArrayList<>();
        final List<Integer> scores = new ArrayList<>();
        final List<String> addresses = new ArrayList<>();
        final List<Boolean> rdma = new ArrayList<>();
        final long length = d.contentLength();
        final int pieceLength = d.pieceLength();
        final int pieceCount = d.pieceCount();
        for (final ParentsDecoder.CandidatesDecoder c : d.candidates())
        {
            peers.add(c.peerId());
            scores.add(c.score());
            rdma.add(c.rdma() == 1);
            addresses.add(c.address());
        }
        return new Parents(id, length, pieceLength, pieceCount, peers, scores, addresses, d.etag(), rdma);
    }

    static List<Available> available(final DirectBuffer b)
    {
        final PiecesAvailableDecoder d = new PiecesAvailableDecoder().wrapAndApplyHeader(b, 0,
            new MessageHeaderDecoder());
        final List<Available> out = new ArrayList<>();
        for (final PiecesAvailableDecoder.PiecesDecoder p : d.pieces())
        {
            final byte[] digest = new byte[32];
            p.getDigest(digest, 0, 32);
            out.add(new Available(p.peerId(), p.pieceIndex(), digest));
        }
        return out;
    }

    static short backToSourceReason(final DirectBuffer b)
    {
        return new BackToSourceDecoder().wrapAndApplyHeader(b, 0, new MessageHeaderDecoder()).reasonRaw();
    }

    static boolean backToSourceContentAddressed(final DirectBuffer b)
    {
        return new BackToSourceDecoder().wrapAndApplyHeader(b, 0, new MessageHeaderDecoder()).contentAddressed() == 1;
    }

    static String backToSourceUrl(final DirectBuffer b)
    {
        final BackToSourceDecoder d = new BackToSourceDecoder().wrapAndApplyHeader(b, 0, new MessageHeaderDecoder());
        return d.url();
    }

    static byte[] taskUnknownId(final DirectBuffer b)
    {
        final byte[] id = new byte[32];
        new TaskUnknownDecoder().wrapAndApplyHeader(b, 0, new MessageHeaderDecoder()).getTaskId(id, 0, 32);
        return id;
    }

    static long parentGone(final DirectBuffer b)
    {
        return new ParentGoneDecoder().wrapAndApplyHeader(b, 0, new MessageHeaderDecoder()).peerId();
    }

    static long peerPiecesPeer(final DirectBuffer b)
    {
        return new PeerPiecesDecoder().wrapAndApplyHeader(b, 0, new MessageHeaderDecoder()).peerId();
    }

    static byte[] peerPiecesBitmap(final DirectBuffer b)
    {
        final PeerPiecesDecoder d = new PeerPiecesDecoder().wrapAndApplyHeader(b, 0, new MessageHeaderDecoder());
        final byte[] bitmap = new byte[d.bitmapLength()];
        d.getBitmap(bitmap, 0, bitmap.length);
        return bitmap;
    }

    static int digestsFirst(final DirectBuffer b)
    {
        return new PieceDigestsDecoder().wrapAndApplyHeader(b, 0, new MessageHeaderDecoder()).firstPiece();
    }

    static byte[] digests(final DirectBuffer b)
    {
        final PieceDigestsDecoder d = new PieceDigestsDecoder().wrapAndApplyHeader(b, 0, new MessageHeaderDecoder());
        final byte[] out = new byte[(int)d.digestsLength()];
        d.getDigests(out, 0, out.length);
        return out;
    }

    static FailureReason mismatch()
    {
        return FailureReason.DIGEST_MISMATCH;
    }
}
