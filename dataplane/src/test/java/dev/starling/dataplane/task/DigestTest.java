package dev.starling.dataplane.task;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DigestTest
{
    /** sha256("abc"), FIPS 180-2 test vector. */
    private static final String ABC_HEX = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @Test
    void shouldPrintAsSha256PrefixAndLowercaseHex()
    {
        final Digest digest = Digest.of(HexFormat.of().parseHex(ABC_HEX));

        assertEquals("sha256:" + ABC_HEX, digest.toString());
        assertEquals(ABC_HEX, digest.hex());
    }

    @Test
    void shouldRoundTripThroughParse()
    {
        final Digest parsed = Digest.parse("sha256:" + ABC_HEX);

        assertEquals("sha256:" + ABC_HEX, parsed.toString());
        assertArrayEquals(HexFormat.of().parseHex(ABC_HEX), parsed.toBytes());
        assertEquals(parsed, Digest.parse(parsed.toString()));
        assertEquals(parsed.hashCode(), Digest.parse(parsed.toString()).hashCode());
    }

    @Test
    void shouldMatchTheJdkSha256OfTheContent()
    {
        final byte[] sha = Digest.newSha256().digest("abc".getBytes(StandardCharsets.US_ASCII));

        assertEquals(Digest.parse("sha256:" + ABC_HEX), Digest.of(sha));
        assertTrue(Digest.parse("sha256:" + ABC_HEX).matches(sha));
    }

    @Test
    void shouldNotMatchDifferentBytes()
    {
        final byte[] other = HexFormat.of().parseHex(ABC_HEX);
        other[31] ^= 1;

        assertFalse(Digest.parse("sha256:" + ABC_HEX).matches(other));
        assertNotEquals(Digest.parse("sha256:" + ABC_HEX), Digest.of(other));
    }

    @Test
    void shouldRejectUppercaseHex()
    {
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:" + ABC_HEX.toUpperCase()));
    }

    @Test
    void shouldRejectShortAndLongHex()
    {
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:" + ABC_HEX.substring(1)));
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:" + ABC_HEX + "0"));
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:"));
    }

    @Test
    void shouldRejectWrongOrMissingPrefix()
    {
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha512:" + ABC_HEX));
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("SHA256:" + ABC_HEX));
        assertThrows(IllegalArgumentException.class, () -> Digest.parse(ABC_HEX));
        assertThrows(IllegalArgumentException.class, () -> Digest.parse(null));
    }

    @Test
    void shouldRejectNonHexCharacters()
    {
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:" + ABC_HEX.substring(1) + "g"));
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:" + ABC_HEX.substring(1) + " "));
    }

    @Test
    void shouldRejectByteArraysThatAreNot32Long()
    {
        assertThrows(IllegalArgumentException.class, () -> Digest.of(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> Digest.of(new byte[33]));
    }

    @Test
    void shouldCopyBytesInAndOut()
    {
        final byte[] in = HexFormat.of().parseHex(ABC_HEX);
        final Digest digest = Digest.of(in);
        in[0] ^= 1;
        final byte[] out = digest.toBytes();
        out[1] ^= 1;

        assertEquals(ABC_HEX, digest.hex());
    }
}
