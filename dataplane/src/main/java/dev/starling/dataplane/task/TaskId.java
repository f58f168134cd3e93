package dev.starling.dataplane.task;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Names one artifact across every process of the mesh: 32 bytes.
 * <p>
 * For content-addressed artifacts (a known sha256) the id is the digest itself, so the same bytes are one task
 * whichever registry, repository or URL they come from. For anything else it is the sha256 of the normalised URL
 * (see {@link UrlNormalizer}) plus an optional tag and application, so a preheat and the pull that follows agree.
 * Immutable.
 */
public final class TaskId
{
    /** Length of a task id in bytes. */
    public static final int LENGTH_BYTES = 32;
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] URL_DOMAIN = "starling-task-url-v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] bytes;
    private final boolean contentAddressed;

    private TaskId(final byte[] bytes, final boolean contentAddressed)
    {
        this.bytes = bytes;
        this.contentAddressed = contentAddressed;
    }

    /**
     * @param digest the artifact's sha256.
     * @return the task id of a content-addressed artifact: the digest.
     */
    public static TaskId ofDigest(final Digest digest)
    {
        return new TaskId(digest.toBytes(), true);
    }

    /**
     * @param url         the artifact URL; normalised before hashing.
     * @param tag         optional tag separating otherwise equal URLs (null or empty for none).
     * @param application optional application name (null or empty for none).
     * @return the task id of a URL artifact.
     * @throws IllegalArgumentException when the URL cannot be parsed.
     */
    public static TaskId ofUrl(final String url, final String tag, final String application)
    {
        final MessageDigest sha256 = Digest.newSha256();
        sha256.update(URL_DOMAIN);
        update(sha256, UrlNormalizer.normalize(url));
        update(sha256, tag == null ? "" : tag);
        update(sha256, application == null ? "" : application);
        return new TaskId(sha256.digest(), false);
    }

    /**
     * Parses the text form: {@code sha256:<hex>} for content-addressed ids, 64 hex digits otherwise.
     *
     * @param text id text.
     * @return the id.
     */
    public static TaskId parse(final String text)
    {
        if (text.startsWith("sha256:"))
        {
            return ofDigest(Digest.parse(text));
        }
        if (text.length() != 2 * LENGTH_BYTES)
        {
            throw new IllegalArgumentException("task id must be 64 hex digits or sha256:<hex>: " + text);
        }
        return new TaskId(HEX.parseHex(text), false);
    }

    /**
     * Wraps raw id bytes read back from the index.
     *
     * @param bytes            32 bytes; copied.
     * @param contentAddressed whether the id is an artifact digest.
     * @return the id.
     */
    public static TaskId fromBytes(final byte[] bytes, final boolean contentAddressed)
    {
        if (bytes.length != LENGTH_BYTES)
        {
            throw new IllegalArgumentException("task id needs 32 bytes, got " + bytes.length);
        }
        return new TaskId(bytes.clone(), contentAddressed);
    }

    private static void update(final MessageDigest sha256, final String part)
    {
        final byte[] b = part.getBytes(StandardCharsets.UTF_8);
        // Length prefix keeps ("a", "bc") and ("ab", "c") apart.
        sha256.update((byte)(b.length >>> 24));
        sha256.update((byte)(b.length >>> 16));
        sha256.update((byte)(b.length >>> 8));
        sha256.update((byte)b.length);
        sha256.update(b);
    }

    /**
     * @return true when this id is the artifact's sha256.
     */
    public boolean contentAddressed()
    {
        return contentAddressed;
    }

    /**
     * @return the artifact digest when content-addressed, else null.
     */
    public Digest digest()
    {
        return contentAddressed ? Digest.of(bytes) : null;
    }

    /**
     * @return a copy of the 32 id bytes.
     */
    public byte[] toBytes()
    {
        return bytes.clone();
    }

    /**
     * @param dst destination; the 32 id bytes are copied to {@code dst[offset..offset+32)}.
     * @param offset where to write.
     */
    public void copyTo(final byte[] dst, final int offset)
    {
        System.arraycopy(bytes, 0, dst, offset, LENGTH_BYTES);
    }

    /**
     * @return 64 lowercase hex digits: the name of the task's files in the store.
     */
    public String hex()
    {
        return HEX.formatHex(bytes);
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof TaskId && Arrays.equals(bytes, ((TaskId)o).bytes);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString()
    {
        return contentAddressed ? "sha256:" + hex() : hex();
    }
}
