package dev.starling.dataplane.serve;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One byte range of an HTTP {@code Range: bytes=...} header: {@code N-}, {@code N-M} or the suffix {@code -S}. Immutable.
 *
 * @param start  first byte, or -1 for a suffix range.
 * @param end    last byte (inclusive), or -1 for open-ended.
 * @param suffix the suffix length, for {@code -S}.
 */
public record ByteRange(long start, long end, long suffix)
{
    private static final Pattern SINGLE = Pattern.compile("^bytes=(\\d{0,19})-(\\d{0,19})$");

    /**
     * @param header the Range header value.
     * @return the range, or null when malformed or when it names several ranges.
     */
    public static ByteRange parse(final String header)
    {
        final Matcher m = SINGLE.matcher(header.trim());
        if (!m.matches() || m.group(1).isEmpty() && m.group(2).isEmpty())
        {
            return null;
        }
        try
        {
            if (m.group(1).isEmpty())
            {
                final long suffix = Long.parseLong(m.group(2));
                return suffix == 0 ? null : new ByteRange(-1, -1, suffix);
            }
            final long start = Long.parseLong(m.group(1));
            final long end = m.group(2).isEmpty() ? -1 : Long.parseLong(m.group(2));
            return end >= 0 && end < start ? null : new ByteRange(start, end, 0);
        }
        catch (final NumberFormatException ex)
        {
            return null;
        }
    }

    /**
     * @param length the content length.
     * @return true when the range selects at least one byte of content this long.
     */
    public boolean satisfiable(final long length)
    {
        return start < 0 ? length > 0 : start < length;
    }

    /**
     * @param length the content length.
     * @return the first byte the range selects.
     */
    public long first(final long length)
    {
        return start < 0 ? Math.max(0, length - suffix) : start;
    }

    /**
     * @param length the content length.
     * @return the last byte (inclusive) the range selects.
     */
    public long last(final long length)
    {
        return start < 0 || end < 0 ? length - 1 : Math.min(end, length - 1);
    }

    @Override
    public String toString()
    {
        return start < 0 ? "bytes=-" + suffix : "bytes=" + start + "-" + (end < 0 ? "" : String.valueOf(end));
    }
}
