package dev.starling.scheduler;

import dev.starling.dataplane.scheduler.codec.DigestAlgorithm;
import dev.starling.dataplane.scheduler.codec.FailureReason;
import dev.starling.dataplane.scheduler.codec.HostType;
import dev.starling.dataplane.scheduler.codec.MessageHeaderDecoder;
import dev.starling.dataplane.scheduler.codec.MessageHeaderEncoder;
import dev.starling.dataplane.scheduler.codec.ParentsDecoder;
import dev.starling.dataplane.scheduler.codec.ParentsEncoder;
import dev.starling.dataplane.scheduler.codec.PieceFailedDecoder;
import dev.starling.dataplane.scheduler.codec.PieceFinishedDecoder;
import dev.starling.dataplane.scheduler.codec.RegisterHostDecoder;
import dev.starling.dataplane.scheduler.codec.RegisterTaskDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The generated codecs against the byte layout of {@code docs/scheduler-protocol.md}: offsets, little-endian, and
 * every field back as written.
 */
class CodecRoundTripTest
{
    private final Wire wire = new Wire();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();

    @Test
    void shouldRoundTripRegisterHostWithTheSpecsHeader()
    {
        wire.registerHost(0x1122334455667788L, true, "eu-1a", "r7", "aeron:udp?endpoint=10.0.0.1:40000", 77);

        header.wrap(wire.buffer(), 0);
        assertEquals(RegisterHostDecoder.TEMPLATE_ID, header.templateId());
        assertEquals(21332, header.schemaId());
        assertEquals(2, header.version());
        assertEquals(0x1122334455667788L, wire.buffer().getLong(8, java.nio.ByteOrder.LITTLE_ENDIAN),
            "peerId at offset 0 of the block, little-endian");
        final RegisterHostDecoder d = new RegisterHostDecoder().wrapAndApplyHeader(wire.buffer(), 0, header);
        assertEquals(0x1122334455667788L, d.peerId());
        assertEquals(65000, d.piecePort());
        assertEquals(4, d.uploadSlots());
        assertEquals(HostType.SEED, d.hostType());
        assertEquals(77, d.replyStreamId());
        assertEquals("10.0.0.136", d.address());
        assertEquals("eu-1a", d.zone());
        assertEquals("r7", d.rack());
        assertEquals("aeron:udp?endpoint=10.0.0.1:40000", d.replyChannel());
        assertEquals("", d.rdmaDevice(), "no device announced");
    }

    @Test
    void shouldRoundTripRegisterTaskPieceFinishedAndPieceFailed()
    {
        final byte[] task = Wire.taskId(5);
        wire.registerTask(9, task, 1_000_000, 65536, 16);
        final RegisterTaskDecoder rt = new RegisterTaskDecoder().wrapAndApplyHeader(wire.buffer(), 0, header);
        final byte[] id = new byte[32];
        rt.getTaskId(id, 0, 32);
        assertArrayEquals(task, id);
        assertEquals(1_000_000, rt.contentLength());
        assertEquals(65536, rt.pieceLength());
        assertEquals(16, rt.pieceCount());
        assertEquals(DigestAlgorithm.SHA256, rt.digestAlgorithm());
        assertEquals("http://origin/blob", rt.url());
        assertEquals("\"e1\"", rt.etag());

        wire.pieceFinished(9, task, 3, -1, 12345, Wire.digest(3, 1));
        final PieceFinishedDecoder pf = new PieceFinishedDecoder().wrapAndApplyHeader(wire.buffer(), 0, header);
        assertEquals(3, pf.pieceIndex());
        assertEquals(-1, pf.parentPeerId());
        assertEquals(12345, pf.costNs());
        final byte[] digest = new byte[32];
        pf.getDigest(digest, 0, 32);
        assertArrayEquals(Wire.digest(3, 1), digest);
        assertEquals(60 + 32, pf.encodedLength(), "digest at offset 60, 32 bytes");

        wire.pieceFailed(9, task, 4, 17, FailureReason.TIMEOUT);
        final PieceFailedDecoder pfl = new PieceFailedDecoder().wrapAndApplyHeader(wire.buffer(), 0, header);
        assertEquals(17, pfl.parentPeerId());
        assertEquals(FailureReason.TIMEOUT, pfl.reason());
    }

    @Test
    void shouldReadAVersion1RegisterTaskWithoutTheContentAddressedField()
    {
        final byte[] task = new byte[32];
        task[0] = 7;
        final int length = wire.registerTask(42, task, 1000, 256, 4, true);
        final int block = RegisterTaskDecoder.BLOCK_LENGTH;
        final int field = RegisterTaskDecoder.contentAddressedEncodingOffset();
        assertEquals(block - 1, field, "contentAddressed is the last byte of the fixed block");
        // A version 1 peer's message: the same bytes without that byte, blockLength one less, version 1.
        final UnsafeBuffer v1 = new UnsafeBuffer(new byte[length - 1]);
        v1.putBytes(0, wire.buffer(), 0, 8 + field);
        v1.putBytes(8 + field, wire.buffer(), 8 + block, length - 8 - block);
        v1.putShort(0, (short)(block - 1), java.nio.ByteOrder.LITTLE_ENDIAN);
        v1.putShort(6, (short)1, java.nio.ByteOrder.LITTLE_ENDIAN);

        header.wrap(v1, 0);
        final RegisterTaskDecoder d = new RegisterTaskDecoder().wrapAndApplyHeader(v1, 0, header);

        assertEquals(42, d.peerId());
        assertEquals(4, d.pieceCount());
        assertEquals(RegisterTaskDecoder.contentAddressedNullValue(), d.contentAddressed(),
            "absent in version 1: the scheduler reads it as not content-addressed");
        assertEquals("http://origin/blob", d.url());
        assertEquals("\"e1\"", d.etag());
    }

    @Test
    void shouldRoundTripParentsWithCandidatesAndEtag()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
        final ParentsEncoder e = new ParentsEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder());
        e.putTaskId(Wire.taskId(2), 0, 32).contentLength(99).pieceLength(64).pieceCount(2)
            .digestAlgorithm(DigestAlgorithm.CRC32C);
        final ParentsEncoder.CandidatesEncoder c = e.candidatesCount(2);
        c.next().peerId(5).piecePort(1).hostType(HostType.SEED).score(900).address("a");
        c.next().peerId(6).piecePort(2).hostType(HostType.NORMAL).score(-3).address("bb");
        e.etag("x");

        final Wire.Parents p = Wire.parents(buffer);

        assertEquals(99, p.contentLength());
        assertEquals(java.util.List.of(5L, 6L), p.peers());
        assertEquals(java.util.List.of(900, -3), p.scores());
        assertEquals(java.util.List.of("a", "bb"), p.addresses());
        assertEquals("x", p.etag());
        assertEquals(ParentsDecoder.TEMPLATE_ID, Wire.templateId(buffer));
    }
}
