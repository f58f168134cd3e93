package dev.starling.modelproxy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What a request to the hub endpoint asks for, parsed from its raw path: a file download
 * ({@code /[datasets/|spaces/]{repo}/resolve/{revision}/{path}}), a hub API call ({@code /api/…}) or anything else
 * the hub serves. Every segment is percent-decoded exactly once and checked: a path that could name something
 * outside its repository ({@code ..}, an encoded separator or dot segment, a backslash, a control character) is
 * {@link Kind#INVALID}. Immutable.
 *
 * @param kind     what was asked for.
 * @param type     the repository type, for {@link Kind#RESOLVE}.
 * @param repoId   {@code ORG/NAME}, for {@link Kind#RESOLVE}.
 * @param revision the decoded revision, for {@link Kind#RESOLVE}.
 * @param path     the decoded file path, for {@link Kind#RESOLVE}.
 * @param problem  why the request is invalid, for {@link Kind#INVALID}.
 */
public record HubRoute(Kind kind, RepoType type, String repoId, String revision, String path, String problem)
{
    /** What a request asks for. */
    public enum Kind
    {
        /** A file of a repository at a revision. */
        RESOLVE,
        /** A hub API call, passed through. */
        API,
        /** Any other hub path, passed through. */
        OTHER,
        /** Malformed or unsafe. */
        INVALID
    }

    /**
     * @param rawPath the request path, still percent-encoded, without the query.
     * @return the route.
     */
    public static HubRoute parse(final String rawPath)
    {
        if (!rawPath.startsWith("/") || rawPath.length() > 4096)
        {
            return invalid("path must be absolute and at most 4096 bytes");
        }
        final String[] raw = rawPath.substring(1).split("/", -1);
        final String[] segments = new String[raw.length];
        for (int i = 0; i < raw.length; i++)
        {
            final String decoded = decode(raw[i]);
            if (decoded == null || !isSafeSegment(decoded, i == raw.length - 1))
            {
                return invalid("unsafe or malformed path segment '" + raw[i] + "'");
            }
            segments[i] = decoded;
        }
        if (segments.length > 0 && segments[0].equals("api"))
        {
            return new HubRoute(Kind.API, null, null, null, null, null);
        }
        int resolve = -1;
        for (int i = 0; i < segments.length; i++)
        {
            if (segments[i].equals("resolve"))
            {
                resolve = i;
                break;
            }
        }
        if (resolve < 0)
        {
            return new HubRoute(Kind.OTHER, null, null, null, null, null);
        }
        RepoType type = RepoType.MODEL;
        int first = 0;
        if (resolve > 0)
        {
            final RepoType named = RepoType.ofSegment(segments[0]);
            if (named != null && named != RepoType.MODEL && resolve >= 2)
            {
                type = named;
                first = 1;
            }
        }
        for (int i = 0; i < segments.length; i++)
        {
            if (i != resolve + 1 && segments[i].contains("/"))
            {
                return invalid("an encoded '/' is allowed only in the revision: " + raw[i]);
            }
        }
        final int repoSegments = resolve - first;
        if (repoSegments < 1 || repoSegments > 2)
        {
            return invalid("a file URL is /[datasets/]ORG/REPO/resolve/REVISION/PATH");
        }
        final String repoId = repoSegments == 1 ? segments[first] : segments[first] + "/" + segments[first + 1];
        if (!HubNames.isValidRepoId(repoId))
        {
            return invalid("not a valid repository id: " + repoId);
        }
        if (segments.length < resolve + 3)
        {
            return invalid("a file URL names a revision and a path: /" + repoId + "/resolve/REVISION/PATH");
        }
        final String revision = segments[resolve + 1];
        if (!HubNames.isValidRevision(revision))
        {
            return invalid("not a valid revision: " + revision);
        }
        final String path = String.join("/", java.util.Arrays.copyOfRange(segments, resolve + 2, segments.length));
        if (!HubNames.isSafePath(path))
        {
            return invalid("not a safe file path: " + path);
        }
        return new HubRoute(Kind.RESOLVE, type, repoId, revision, path, null);
    }

    private static HubRoute invalid(final String problem)
    {
        return new HubRoute(Kind.INVALID, null, null, null, null, problem);
    }

    /** Decodes once; null when malformed. A '+' stays a '+' (paths, not forms). */
    private static String decode(final String raw)
    {
        try
        {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
        catch (final IllegalArgumentException ex)
        {
            return null;
        }
    }

    /**
     * A decoded segment may be empty only at the end (a trailing slash); it is never a dot segment and holds no
     * separator, backslash, control character or escape that a second decoding would turn into one. A revision
     * such as {@code refs/pr/1} arrives encoded as one segment, so an encoded slash is allowed there only: the
     * revision and path checks in {@link HubNames} run on the joined result.
     */
    private static boolean isSafeSegment(final String segment, final boolean last)
    {
        if (segment.isEmpty())
        {
            return last;
        }
        if (segment.equals(".") || segment.equals(".."))
        {
            return false;
        }
        final String lower = segment.toLowerCase(Locale.ROOT);
        if (lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00"))
        {
            return false;
        }
        for (int i = 0; i < segment.length(); i++)
        {
            final char c = segment.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\')
            {
                return false;
            }
        }
        return !segment.contains("/") || isRevisionLike(segment);
    }

    private static boolean isRevisionLike(final String segment)
    {
        for (final String part : segment.split("/", -1))
        {
            if (part.isEmpty() || part.equals(".") || part.equals(".."))
            {
                return false;
            }
        }
        return true;
    }
}
