package dev.starling.modelproxy;

import java.net.http.HttpHeaders;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the upstream's answer to {@code HEAD …/resolve/{revision}/{path}} says about a file: its commit, etag,
 * size and, for LFS files, the sha256 ({@code X-Linked-Etag}). Immutable.
 *
 * @param file the file, with the commit it resolved to.
 */
record FileMetadata(HubFile file)
{
    private static final Pattern SHA256 = Pattern.compile("^[0-9a-f]{64}$");
    private static final Pattern COMMIT = Pattern.compile("^[0-9a-f]{40}$");

    /**
     * @param route   the request's route ({@link HubRoute.Kind#RESOLVE}).
     * @param headers the upstream's answer to the {@code HEAD}.
     * @return the metadata, or null when the answer names no commit or no size.
     */
    static FileMetadata of(final HubRoute route, final HttpHeaders headers)
    {
        final String commit = headers.firstValue("X-Repo-Commit").map(v -> v.trim().toLowerCase(Locale.ROOT))
            .orElse(COMMIT.matcher(route.revision()).matches() ? route.revision() : null);
        if (commit == null || !COMMIT.matcher(commit).matches())
        {
            return null;
        }
        final String linked = headers.firstValue("X-Linked-Etag").map(FileMetadata::unquote).orElse(null);
        final String lfs = linked != null && SHA256.matcher(linked).matches() ? linked : null;
        final String etag = linked != null ? linked : headers.firstValue("ETag").map(FileMetadata::unquote).orElse(null);
        final long size = headers.firstValue("X-Linked-Size")
            .or(() -> headers.firstValue("Content-Length")).map(FileMetadata::parseSize).orElse(-1L);
        if (size < 0 || etag == null || etag.isEmpty())
        {
            return null;
        }
        return new FileMetadata(new HubFile(route.type(), route.repoId(), commit, route.path(), size, etag, lfs));
    }

    private static String unquote(final String etag)
    {
        String e = etag.trim();
        if (e.startsWith("W/"))
        {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\""))
        {
            e = e.substring(1, e.length() - 1);
        }
        return e.toLowerCase(Locale.ROOT);
    }

    private static long parseSize(final String text)
    {
        try
        {
            return Long.parseLong(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }
}
