package dev.starling.cli;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.modelproxy.HubApi;
import dev.starling.modelproxy.HubNames;
import dev.starling.modelproxy.ModelScopeApi;
import dev.starling.modelproxy.RepoType;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A hub source as {@code starling get} takes it: {@code hf://[models/|datasets/|spaces/]ORG/NAME[@REVISION][/PATH]}
 * or {@code modelscope://ORG/NAME[@REVISION][/PATH]}. A revision with a {@code /} in it ({@code refs/pr/1}) is
 * written percent-encoded ({@code @refs%2Fpr%2F1}). Immutable.
 *
 * @param modelScope true for {@code modelscope://}.
 * @param type       repository type.
 * @param repoId     {@code ORG/NAME}.
 * @param revision   the revision, or the hub's default ({@code main}, {@code master}) when none is written.
 * @param path       a file or directory in the repository that selects what to download, or null for all of it.
 */
record HubUrl(boolean modelScope, RepoType type, String repoId, String revision, String path)
{
    static final String HF_SCHEME = "hf://";
    static final String MODELSCOPE_SCHEME = "modelscope://";

    /**
     * @param text a URL.
     * @return true when it names a hub source (and {@link #parse} applies).
     */
    static boolean isHub(final String text)
    {
        return text.startsWith(HF_SCHEME) || text.startsWith(MODELSCOPE_SCHEME);
    }

    /**
     * @param text {@code hf://…} or {@code modelscope://…}.
     * @return the parsed source.
     * @throws StarlingException {@code BAD_URL} naming what is wrong.
     */
    static HubUrl parse(final String text)
    {
        final boolean ms = text.startsWith(MODELSCOPE_SCHEME);
        if (!ms && !text.startsWith(HF_SCHEME))
        {
            throw new StarlingException(ErrorCode.UNSUPPORTED_SCHEME, "not a hub URL (hf:// or modelscope://): " + text);
        }
        String rest = text.substring(ms ? MODELSCOPE_SCHEME.length() : HF_SCHEME.length());
        RepoType type = RepoType.MODEL;
        final int firstSlash = rest.indexOf('/');
        if (!ms && firstSlash > 0)
        {
            final RepoType named = RepoType.ofSegment(rest.substring(0, firstSlash));
            if (named != null)
            {
                type = named;
                rest = rest.substring(firstSlash + 1);
            }
        }
        final int orgEnd = rest.indexOf('/');
        if (orgEnd <= 0)
        {
            throw bad(text, "want ORG/NAME after the scheme");
        }
        final int nameEnd = indexOf(rest, orgEnd + 1);
        final String repoId = rest.substring(0, nameEnd);
        String revision = ms ? ModelScopeApi.DEFAULT_REVISION : HubApi.DEFAULT_REVISION;
        int pathStart = nameEnd;
        if (nameEnd < rest.length() && rest.charAt(nameEnd) == '@')
        {
            final int revEnd = rest.indexOf('/', nameEnd + 1);
            final String encoded = rest.substring(nameEnd + 1, revEnd < 0 ? rest.length() : revEnd);
            revision = URLDecoder.decode(encoded.replace("+", "%2B"), StandardCharsets.UTF_8);
            pathStart = revEnd < 0 ? rest.length() : revEnd;
        }
        String path = pathStart < rest.length() ? rest.substring(pathStart + 1) : null;
        if (path != null && path.endsWith("/"))
        {
            path = path.substring(0, path.length() - 1);
        }
        if (path != null && path.isEmpty())
        {
            path = null;
        }
        if (!HubNames.isValidRepoId(repoId) || !repoId.contains("/"))
        {
            throw bad(text, "'" + repoId + "' is not a repository id (ORG/NAME: letters, digits, '-', '_', '.')");
        }
        if (!HubNames.isValidRevision(revision))
        {
            throw bad(text, "'" + revision + "' is not a revision (a branch, tag or commit; write '/' as %2F)");
        }
        if (path != null && !HubNames.isSafePath(path))
        {
            throw bad(text, "'" + path + "' is not a safe path in a repository");
        }
        return new HubUrl(ms, type, repoId, revision, path);
    }

    /**
     * @return the source as text, with the revision resolved to {@code commit}.
     */
    String describe(final String commit)
    {
        return (modelScope ? MODELSCOPE_SCHEME : HF_SCHEME) + (type == RepoType.MODEL ? "" : type.apiSegment() + "/") +
            repoId + "@" + commit + (path == null ? "" : "/" + path);
    }

    private static int indexOf(final String text, final int from)
    {
        for (int i = from; i < text.length(); i++)
        {
            if (text.charAt(i) == '/' || text.charAt(i) == '@')
            {
                return i;
            }
        }
        return text.length();
    }

    private static StarlingException bad(final String text, final String why)
    {
        return new StarlingException(ErrorCode.BAD_URL, "bad hub URL " + text + ": " + why + "; e.g. " +
            "hf://ORG/NAME, hf://datasets/ORG/NAME@v1.0/data, modelscope://ORG/NAME@master/config.json");
    }
}
