package dev.starling.dataplane.task;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskIdTest
{
    private static final String DIGEST_HEX = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private static final String URL = "https://registry.example.com/v2/library/alpine/blobs/sha256:" + DIGEST_HEX;

    @Test
    void shouldGiveTheSameIdForTheSameUrl()
    {
        assertEquals(TaskId.ofUrl(URL, "t", "app"), TaskId.ofUrl(URL, "t", "app"));
        assertEquals(TaskId.ofUrl(URL, "t", "app").hashCode(), TaskId.ofUrl(URL, "t", "app").hashCode());
    }

    @Test
    void shouldGiveTheSameIdForUrlsThatNormaliseAlike()
    {
        final TaskId plain = TaskId.ofUrl("https://cdn.example.com/a/b.bin?v=1", null, null);

        assertEquals(plain, TaskId.ofUrl(
            "HTTPS://user:pw@CDN.example.com:443/a/./x/../b.bin?X-Amz-Signature=ff&v=1&Expires=99#frag", null, null));
    }

    @Test
    void shouldTreatNullAndEmptyTagAndApplicationAlike()
    {
        assertEquals(TaskId.ofUrl(URL, null, null), TaskId.ofUrl(URL, "", ""));
    }

    @Test
    void shouldChangeIdWhenTagChanges()
    {
        assertNotEquals(TaskId.ofUrl(URL, null, null), TaskId.ofUrl(URL, "v2", null));
        assertNotEquals(TaskId.ofUrl(URL, "v1", null), TaskId.ofUrl(URL, "v2", null));
    }

    @Test
    void shouldChangeIdWhenApplicationChanges()
    {
        assertNotEquals(TaskId.ofUrl(URL, null, null), TaskId.ofUrl(URL, null, "app"));
        assertNotEquals(TaskId.ofUrl(URL, null, "app1"), TaskId.ofUrl(URL, null, "app2"));
    }

    @Test
    void shouldKeepTagAndApplicationApartWhenTheirConcatenationIsEqual()
    {
        assertNotEquals(TaskId.ofUrl(URL, "ab", "c"), TaskId.ofUrl(URL, "a", "bc"));
        assertNotEquals(TaskId.ofUrl(URL, "x", null), TaskId.ofUrl(URL, null, "x"));
    }

    @Test
    void shouldChangeIdWhenKeptQueryParameterChanges()
    {
        assertNotEquals(TaskId.ofUrl(URL + "?v=1", null, null), TaskId.ofUrl(URL + "?v=2", null, null));
    }

    @Test
    void shouldUseTheDigestBytesAsIdOfContentAddressedTask()
    {
        final Digest digest = Digest.parse("sha256:" + DIGEST_HEX);
        final TaskId id = TaskId.ofDigest(digest);

        assertArrayEquals(digest.toBytes(), id.toBytes());
        assertTrue(id.contentAddressed());
        assertEquals(digest, id.digest());
        assertEquals(DIGEST_HEX, id.hex());
        assertEquals("sha256:" + DIGEST_HEX, id.toString());
    }

    @Test
    void shouldNotUseUrlAsIdOfContentAddressedTask()
    {
        final TaskId byUrl = TaskId.ofUrl(URL, null, null);

        assertFalse(byUrl.contentAddressed());
        assertNull(byUrl.digest());
        assertNotEquals(TaskId.ofDigest(Digest.parse("sha256:" + DIGEST_HEX)), byUrl);
        assertEquals(byUrl.hex(), byUrl.toString());
        assertEquals(64, byUrl.toString().length());
    }

    @Test
    void shouldRoundTripContentAddressedIdThroughParse()
    {
        final TaskId id = TaskId.ofDigest(Digest.parse("sha256:" + DIGEST_HEX));
        final TaskId parsed = TaskId.parse(id.toString());

        assertEquals(id, parsed);
        assertTrue(parsed.contentAddressed());
        assertEquals(id.toString(), parsed.toString());
    }

    @Test
    void shouldRoundTripUrlIdThroughParse()
    {
        final TaskId id = TaskId.ofUrl(URL, "tag", "app");
        final TaskId parsed = TaskId.parse(id.toString());

        assertEquals(id, parsed);
        assertFalse(parsed.contentAddressed());
        assertEquals(id.toString(), parsed.toString());
    }

    @Test
    void shouldRejectMalformedIdText()
    {
        assertThrows(IllegalArgumentException.class, () -> TaskId.parse(DIGEST_HEX.substring(2)));
        assertThrows(IllegalArgumentException.class, () -> TaskId.parse(DIGEST_HEX + "00"));
        assertThrows(IllegalArgumentException.class, () -> TaskId.parse("sha256:" + DIGEST_HEX.toUpperCase()));
        assertThrows(IllegalArgumentException.class, () -> TaskId.parse("sha256:" + DIGEST_HEX.substring(2)));
        assertThrows(IllegalArgumentException.class, () -> TaskId.parse("z".repeat(64)));
    }

    @Test
    void shouldRejectUnparseableUrl()
    {
        assertThrows(IllegalArgumentException.class, () -> TaskId.ofUrl("not a url", null, null));
        assertThrows(IllegalArgumentException.class, () -> TaskId.ofUrl("/relative/path", null, null));
    }

    @Test
    void shouldWrapRawBytesAndCopyThem()
    {
        final byte[] raw = HexFormat.of().parseHex(DIGEST_HEX);
        final TaskId id = TaskId.fromBytes(raw, true);
        raw[0] ^= 1;

        assertEquals(DIGEST_HEX, id.hex());
        assertTrue(id.contentAddressed());
        assertThrows(IllegalArgumentException.class, () -> TaskId.fromBytes(new byte[31], false));
    }

    @Test
    void shouldCopyIdBytesAtOffset()
    {
        final TaskId id = TaskId.ofUrl(URL, null, null);
        final byte[] dst = new byte[40];
        id.copyTo(dst, 5);

        final byte[] copied = new byte[TaskId.LENGTH_BYTES];
        System.arraycopy(dst, 5, copied, 0, TaskId.LENGTH_BYTES);
        assertArrayEquals(id.toBytes(), copied);
        assertEquals(0, dst[4]);
        assertEquals(0, dst[37]);
    }
}
