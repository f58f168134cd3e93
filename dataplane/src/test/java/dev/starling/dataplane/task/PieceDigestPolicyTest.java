package dev.starling.dataplane.task;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PieceDigestPolicyTest
{
    private static final TaskId CONTENT = TaskId.ofDigest(Digest.of(new byte[32]));
    private static final TaskId URL = TaskId.ofUrl("https://origin.example/a.bin", null, null);

    @Test
    void shouldGiveContentAddressedTasksCrc32cAndUrlTasksSha256ByDefault()
    {
        assertEquals(PieceDigest.CRC32C, PieceDigestPolicy.AUTO.forTask(CONTENT));
        assertEquals(PieceDigest.SHA256, PieceDigestPolicy.AUTO.forTask(URL));
    }

    @Test
    void shouldGiveEveryTaskTheNamedAlgorithm()
    {
        assertEquals(PieceDigest.SHA256, PieceDigestPolicy.SHA256.forTask(CONTENT));
        assertEquals(PieceDigest.SHA256, PieceDigestPolicy.SHA256.forTask(URL));
        assertEquals(PieceDigest.CRC32C, PieceDigestPolicy.CRC32C.forTask(CONTENT));
        assertEquals(PieceDigest.CRC32C, PieceDigestPolicy.CRC32C.forTask(URL));
    }

    @Test
    void shouldParseAnyCaseAndRefuseOtherNames()
    {
        assertEquals(PieceDigestPolicy.AUTO, PieceDigestPolicy.parse("auto"));
        assertEquals(PieceDigestPolicy.SHA256, PieceDigestPolicy.parse(" SHA256 "));
        assertEquals(PieceDigestPolicy.CRC32C, PieceDigestPolicy.parse("Crc32c"));
        assertNull(PieceDigestPolicy.parse("md5"));
    }
}
