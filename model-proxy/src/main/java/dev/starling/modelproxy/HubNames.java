package dev.starling.modelproxy;

import java.util.regex.Pattern;

/**
 * Validation of what a caller names on the hub: repository ids, revisions and file paths. A path that could climb
 * out of a repository (or out of a target directory on disk) is refused here, before anything reaches the upstream
 * or the file system. Stateless.
 */
public final class HubNames
{
    /** {@code ORG/NAME} or a bare {@code NAME} (legacy canonical models such as {@code gpt2}). */
    private static final Pattern REPO_ID = Pattern.compile(
        "^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?/)?[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$");
    /** A branch, tag, commit sha or {@code refs/pr/N}; no {@code ..} and no control characters. */
    private static final Pattern REVISION = Pattern.compile("^[A-Za-z0-9._/-]{1,255}$");

    private HubNames()
    {
    }

    /**
     * @param repoId {@code ORG/NAME} or {@code NAME}.
     * @return true when it is a valid hub repository id.
     */
    public static boolean isValidRepoId(final String repoId)
    {
        return repoId != null && REPO_ID.matcher(repoId).matches() && !repoId.contains("..") &&
            !repoId.contains("--");
    }

    /**
     * @param revision a branch, tag or commit (already URL-decoded).
     * @return true when it is a valid revision name.
     */
    public static boolean isValidRevision(final String revision)
    {
        return revision != null && REVISION.matcher(revision).matches() && !revision.contains("..") &&
            !revision.startsWith("/") && !revision.endsWith("/") && !revision.contains("//");
    }

    /**
     * A file path inside a repository, already URL-decoded once: relative, {@code /}-separated, no empty, {@code .}
     * or {@code ..} segment, no backslash, no NUL or control character, and no {@code %} escape left in it that
     * would decode to a separator or a dot segment on a second decoding.
     *
     * @param path the decoded path.
     * @return true when it is safe to use as a repository path and as a relative path on disk.
     */
    public static boolean isSafePath(final String path)
    {
        if (path == null || path.isEmpty() || path.length() > 1024 || path.startsWith("/") || path.endsWith("/"))
        {
            return false;
        }
        for (int i = 0; i < path.length(); i++)
        {
            final char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\')
            {
                return false;
            }
        }
        final String lower = path.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00"))
        {
            return false;
        }
        for (final String segment : path.split("/", -1))
        {
            if (segment.isEmpty() || segment.equals(".") || segment.equals(".."))
            {
                return false;
            }
        }
        return true;
    }
}
