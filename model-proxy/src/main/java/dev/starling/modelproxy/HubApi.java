package dev.starling.modelproxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hugging Face hub API, as far as listing a repository goes: {@code GET /api/{type}/{repo}/revision/{rev}}
 * resolves a revision to its commit, then {@code GET /api/{type}/{repo}/tree/{commit}?recursive=true&expand=false}
 * lists the files at that commit, following {@code Link: <…>; rel="next"} pages. Listing at the commit rather than the
 * branch means a push in between cannot mix two commits' files.
 * <p>
 * Errors map the hub's {@code X-Error-Code} ({@code RepoNotFound}, {@code RevisionNotFound}, {@code GatedRepo}) and
 * status to {@link ErrorCode}s with a message naming the repository and revision. The token, when given, goes only
 * to the upstream's own host ({@link HubHttp}). Immutable; thread-safe.
 */
public final class HubApi implements HubClient
{
    /** The revision Hugging Face uses when none is named. */
    public static final String DEFAULT_REVISION = "main";

    private static final Pattern LINK_NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
    private static final int MAX_PAGES = 100_000;

    private final HubHttp http;

    /**
     * @param upstream the hub, e.g. {@code https://huggingface.co} or a mirror; a path prefix is kept.
     * @param client   the HTTP client (the caller owns it; redirects are not needed for the API).
     * @param token    a hub access token sent as {@code Authorization: Bearer}, or null.
     */
    public HubApi(final URI upstream, final HttpClient client, final String token)
    {
        this.http = new HubHttp(upstream, client, token);
    }

    @Override
    public String defaultRevision()
    {
        return DEFAULT_REVISION;
    }

    @Override
    public HubListing list(final RepoType type, final String repoId, final String revision)
    {
        requireNames(repoId, revision);
        final String commit = resolveCommit(type, repoId, revision);
        final String repo = describe(type, repoId);
        final List<HubFile> files = new ArrayList<>();
        final Set<String> seen = new HashSet<>();
        URI next = URI.create(http.base() + "/api/" + type.apiSegment() + "/" + repoId + "/tree/" + commit +
            "?recursive=true&expand=false");
        int pages = 0;
        while (next != null)
        {
            if (++pages > MAX_PAGES)
            {
                throw new StarlingException(ErrorCode.ORIGIN_ERROR, "the hub's tree listing of " + repo + " did not " +
                    "end after " + MAX_PAGES + " pages");
            }
            final String what = "the file list of " + repo + " at " + commit;
            final HttpResponse<byte[]> response = http.get(next, what);
            check(response, type, repoId, commit, what);
            final JsonNode page = HubHttp.json(response, what);
            if (!page.isArray())
            {
                throw new StarlingException(ErrorCode.ORIGIN_ERROR, "the hub answered " + what + " with a " +
                    page.getNodeType() + " instead of a list of entries");
            }
            for (final JsonNode entry : page)
            {
                if ("file".equals(entry.path("type").asText()))
                {
                    final HubFile file = toFile(type, repoId, commit, entry);
                    if (seen.add(file.path()))
                    {
                        files.add(file);
                    }
                }
            }
            next = nextPage(next, response);
        }
        files.sort(Comparator.comparing(HubFile::path));
        return new HubListing(type, repoId, revision, commit, files);
    }

    /**
     * @param type     repository type.
     * @param repoId   {@code ORG/NAME}.
     * @param revision branch, tag or commit.
     * @return the commit sha (40 lowercase hex) the revision points at.
     */
    public String resolveCommit(final RepoType type, final String repoId, final String revision)
    {
        requireNames(repoId, revision);
        final String what = "revision " + revision + " of " + describe(type, repoId);
        final URI uri = URI.create(http.base() + "/api/" + type.apiSegment() + "/" + repoId + "/revision/" +
            HubHttp.encode(revision));
        final HttpResponse<byte[]> response = http.get(uri, what);
        check(response, type, repoId, revision, what);
        final String sha = HubHttp.json(response, what).path("sha").asText("");
        if (!HubHttp.SHA1_HEX.matcher(sha).matches())
        {
            throw new StarlingException(ErrorCode.ORIGIN_ERROR, "the hub answered " + what + " without a commit sha " +
                "(got '" + sha + "'); is " + http.base() + " a Hugging Face hub?");
        }
        return sha;
    }

    @Override
    public URI downloadUrl(final HubFile file)
    {
        return fileUrl(http.base(), file);
    }

    /**
     * @param base the hub's URL without a trailing slash.
     * @param file a file at its commit.
     * @return {@code base/[datasets/]{repo}/resolve/{commit}/{path}}: stable while the branch it was listed by moves.
     */
    static URI fileUrl(final String base, final HubFile file)
    {
        return URI.create(base + "/" + file.type().resolvePrefix() + file.repoId() + "/resolve/" +
            HubHttp.encode(file.commit()) + "/" + HubHttp.encodePath(file.path()));
    }

    private HubFile toFile(final RepoType type, final String repoId, final String commit, final JsonNode entry)
    {
        final String repo = describe(type, repoId);
        final String path = entry.path("path").asText("");
        HubHttp.requireSafePath(path, repo);
        final JsonNode lfs = entry.path("lfs");
        if (lfs.isObject())
        {
            final String sha256 = lfs.path("oid").asText("");
            if (!HubHttp.SHA256_HEX.matcher(sha256).matches())
            {
                throw new StarlingException(ErrorCode.ORIGIN_ERROR, "the hub lists " + path + " in " + repo +
                    " as an LFS file without a sha256 oid (got '" + sha256 + "')");
            }
            return new HubFile(type, repoId, commit, path, lfs.path("size").asLong(entry.path("size").asLong(-1)),
                sha256, sha256);
        }
        final String oid = entry.path("oid").asText("");
        if (!HubHttp.SHA1_HEX.matcher(oid).matches())
        {
            throw new StarlingException(ErrorCode.ORIGIN_ERROR, "the hub lists " + path + " in " + repo +
                " without a git blob id (got '" + oid + "')");
        }
        return new HubFile(type, repoId, commit, path, entry.path("size").asLong(-1), oid, null);
    }

    private URI nextPage(final URI current, final HttpResponse<byte[]> response)
    {
        for (final String link : response.headers().allValues("Link"))
        {
            final Matcher m = LINK_NEXT.matcher(link);
            if (m.find())
            {
                return current.resolve(m.group(1));
            }
        }
        return null;
    }

    private void check(final HttpResponse<byte[]> response, final RepoType type, final String repoId,
        final String revision, final String what)
    {
        final int status = response.statusCode();
        if (status == 200)
        {
            return;
        }
        final String repo = describe(type, repoId);
        final String code = response.headers().firstValue("X-Error-Code").orElse("");
        if (code.equals("RepoNotFound") || status == 404 && code.isEmpty())
        {
            throw new StarlingException(ErrorCode.ORIGIN_NOT_FOUND, "hub returned " + status + " for " + repo +
                ": repository not found on " + http.base() + "; check the name (datasets are " +
                "hf://datasets/ORG/NAME)" + (http.hasToken() ? "" : ", and pass --token if it is private"));
        }
        if (code.equals("RevisionNotFound"))
        {
            throw new StarlingException(ErrorCode.ORIGIN_NOT_FOUND, "hub returned " + status + " for " + repo +
                ": revision '" + revision + "' not found; check the branch, tag or commit after '@'");
        }
        if (status == 401)
        {
            throw new StarlingException(ErrorCode.ORIGIN_DENIED, "hub returned 401 for " +
                (code.equals("GatedRepo") ? "gated repo " : "") + repo + ": " +
                (http.hasToken() ? "the token was not accepted; check it" : "pass --token with a token that can " +
                    "read it (and accept the repository's terms on its page)"));
        }
        if (status == 403)
        {
            throw new StarlingException(ErrorCode.ORIGIN_DENIED, "hub returned 403 for " +
                (code.equals("GatedRepo") ? "gated repo " : "") + repo + ": the token has no access; request " +
                "access on the repository's page or use a token of an account that has it");
        }
        if (status == 404)
        {
            throw new StarlingException(ErrorCode.ORIGIN_NOT_FOUND, "hub returned 404 (" + code + ") for " + what);
        }
        throw new StarlingException(ErrorCode.ORIGIN_ERROR, "hub returned " + status +
            (code.isEmpty() ? "" : " (" + code + ")") + " for " + what + "; try again later");
    }

    static String describe(final RepoType type, final String repoId)
    {
        return type == RepoType.MODEL ? repoId : type.apiSegment() + "/" + repoId;
    }

    private static void requireNames(final String repoId, final String revision)
    {
        if (!HubNames.isValidRepoId(repoId))
        {
            throw new StarlingException(ErrorCode.BAD_URL, "not a hub repository id (want ORG/NAME): " + repoId);
        }
        if (!HubNames.isValidRevision(revision))
        {
            throw new StarlingException(ErrorCode.BAD_URL, "not a valid revision (branch, tag or commit): " + revision);
        }
    }
}
