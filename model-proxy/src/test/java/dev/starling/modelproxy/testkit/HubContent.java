package dev.starling.modelproxy.testkit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/**
 * File contents and the names the hub gives them, for tests: deterministic random bytes, the sha256 an LFS file is
 * named by, and the git blob id a file outside LFS is named by. Stateless.
 */
public final class HubContent
{
    private HubContent()
    {
    }

    /**
     * @param size bytes.
     * @param seed the same seed gives the same bytes.
     * @return random bytes.
     */
    public static byte[] random(final int size, final long seed)
    {
        final byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * @param bytes content.
     * @return its sha256, lowercase hex (an LFS file's etag).
     */
    public static String sha256(final byte[] bytes)
    {
        return hex("SHA-256", bytes);
    }

    /**
     * @param bytes content.
     * @return its git blob id: sha1 of {@code "blob <length>\0"} and the bytes, lowercase hex (the etag of a file
     *     outside LFS).
     */
    public static String gitBlobSha1(final byte[] bytes)
    {
        try
        {
            final MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(("blob " + bytes.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(sha1.digest(bytes));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static String hex(final String algorithm, final byte[] bytes)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
