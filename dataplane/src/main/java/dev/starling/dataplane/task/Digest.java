package dev.starling.dataplane.task;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A SHA-256 digest, written {@code sha256:<64 lowercase hex>} as in OCI and Hugging Face LFS.
 * Immutable.
 */
public final class Digest
{
    /** Length of a SHA-256 digest in bytes. */
    public static final int SHA256_LENGTH_BYTES = 32;
    private static final String PREFIX = "sha256:";
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] bytes;

    private Digest(final byte[] bytes)
    {
        this.bytes = bytes;
    }

    /**
     * Parses {@code sha256:<hex>}.
     *
     * @param text the digest text.
     * @return the digest.
     * @throws IllegalArgumentException when the text is not a well-formed sha256 digest.
     */
    public static Digest parse(final String text)
    {
        if (text == null || !text.startsWith(PREFIX) || text.length() != PREFIX.length() + 2 * SHA256_LENGTH_BYTES)
        {
            throw new IllegalArgumentException("not a sha256 digest (want sha256:<64 hex digits>): " + text);
        }
        final String hex = text.substring(PREFIX.length());
        for (int i = 0; i < hex.length(); i++)
        {
            final char c = hex.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            {
                throw new IllegalArgumentException("sha256 digest must be lowercase hex: " + text);
            }
        }
        return new Digest(HEX.parseHex(hex));
    }

    /**
     * @param bytes 32 digest bytes; copied.
     * @return the digest.
     */
    public static Digest of(final byte[] bytes)
    {
        if (bytes.length != SHA256_LENGTH_BYTES)
        {
            throw new IllegalArgumentException("sha256 digest needs 32 bytes, got " + bytes.length);
        }
        return new Digest(bytes.clone());
    }

    /**
     * @return a new SHA-256 {@link MessageDigest}.
     */
    public static MessageDigest newSha256()
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("the JDK lacks SHA-256", ex);
        }
    }

    /**
     * @return a copy of the 32 digest bytes.
     */
    public byte[] toBytes()
    {
        return bytes.clone();
    }

    /**
     * @param other digest bytes to compare with.
     * @return true when equal, compared in constant time.
     */
    public boolean matches(final byte[] other)
    {
        return MessageDigest.isEqual(bytes, other);
    }

    /**
     * @return the 64 lowercase hex digits without the algorithm prefix.
     */
    public String hex()
    {
        return HEX.formatHex(bytes);
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof Digest && Arrays.equals(bytes, ((Digest)o).bytes);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString()
    {
        return PREFIX + hex();
    }
}
