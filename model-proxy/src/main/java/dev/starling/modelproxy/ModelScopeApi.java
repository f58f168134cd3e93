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

/**
 * ModelScope's repository API, as far as listing a model goes: {@code GET /api/v1/models/{repo}/repo/files?
 * Revision=…&Recursive=true} lists every file with its size, {@code Sha256} and {@code Revision} (the last commit
 * that touched it), and {@code GET /api/v1/models/{repo}/repo?Revision=…&FilePath=…} serves its bytes.
 * <p>
 * ModelScope names no repository commit in the listing, so {@link HubListing#commit()} is the revision as asked.
 * Each file is pinned instead: a file with a {@code Sha256} becomes a content-named task verified against it (etag =
 * the sha256); one without is named by the commit that last touched it, and downloaded at that commit. Only model
 * repositories are supported. Immutable; thread-safe.
 */
public final class ModelScopeApi implements HubClient
{
    /** The revision ModelScope uses when none is named. */
    public static final String DEFAULT_REVISION = "master";

    private final HubHttp http;

    /**
     * @param upstream the hub, e.g. {@code https://www.modelscope.cn}; a path prefix is kept.
     * @param client   the HTTP client (the caller owns it).
     * @param token    an access token sent as {@code Authorization: Bearer}, or null.
     */
    public ModelScopeApi(final URI upstream, final HttpClient client, final String token)
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
        if (type != RepoType.MODEL)
        {
            throw new StarlingException(ErrorCode.UNSUPPORTED_SCHEME, "only ModelScope model repositories are " +
                "supported, not " + type.apiSegment() + ": " + repoId);
        }
        if (!HubNames.isValidRepoId(repoId))
        {
            throw new StarlingException(ErrorCode.BAD_URL, "not a ModelScope repository id (want ORG/NAME): " + repoId);
        }
        if (!HubNames.isValidRevision(revision))
        {
            throw new StarlingException(ErrorCode.BAD_URL, "not a valid revision (branch, tag or commit): " + revision);
        }
        final String what = "the file list of ModelScope model " + repoId + " at " + revision;
        final URI uri = URI.create(http.base() + "/api/v1/models/" + repoId + "/repo/files?Revision=" +
            HubHttp.encode(revision) + "&Recursive=true");
        final HttpResponse<byte[]> response = http.get(uri, what);
        final JsonNode body = response.statusCode() == 200 ? HubHttp.json(response, what) : null;
        check(response, body, repoId, revision, what);
        final List<HubFile> files = new ArrayList<>();
        final Set<String> seen = new HashSet<>();
        for (final JsonNode entry : body.path("Data").path("Files"))
        {
            if (!"blob".equals(entry.path("Type").asText()))
            {
                continue;
            }
            final HubFile file = toFile(repoId, revision, entry);
            if (seen.add(file.path()))
            {
                files.add(file);
            }
        }
        files.sort(Comparator.comparing(HubFile::path));
        return new HubListing(type, repoId, revision, revision, files);
    }

    @Override
    public URI downloadUrl(final HubFile file)
    {
        return URI.create(http.base() + "/api/v1/models/" + file.repoId() + "/repo?Revision=" +
            HubHttp.encode(file.commit()) + "&FilePath=" + HubHttp.encode(file.path()));
    }

    private static HubFile toFile(final String repoId, final String revision, final JsonNode entry)
    {
        final String path = entry.path("Path").asText("");
        HubHttp.requireSafePath(path, "ModelScope model " + repoId);
        final String fileRevision = entry.path("Revision").asText("");
        final String commit = HubNames.isValidRevision(fileRevision) ? fileRevision : revision;
        final long size = entry.path("Size").asLong(-1);
        final String sha256 = entry.path("Sha256").asText("").toLowerCase(java.util.Locale.ROOT);
        if (HubHttp.SHA256_HEX.matcher(sha256).matches())
        {
            return new HubFile(RepoType.MODEL, repoId, commit, path, size, sha256, sha256);
        }
        // No digest: the blob is named after the task (repo, commit, path), which is what pins its content.
        final HubFile unnamed = new HubFile(RepoType.MODEL, repoId, commit, path, size, null, null);
        return new HubFile(RepoType.MODEL, repoId, commit, path, size, unnamed.taskId().hex(), null);
    }

    private void check(final HttpResponse<byte[]> response, final JsonNode body, final String repoId,
        final String revision, final String what)
    {
        final int status = response.statusCode();
        if (status == 200 && body.path("Success").asBoolean(body.path("Code").asInt() == 200) &&
            body.path("Data").path("Files").isArray())
        {
            return;
        }
        final String message = body == null ? "" : body.path("Message").asText("");
        if (status == 401)
        {
            throw new StarlingException(ErrorCode.ORIGIN_DENIED, "hub returned 401 for ModelScope model " + repoId +
                ": " + (http.hasToken() ? "the token was not accepted; check it" : "pass --token with a token that " +
                "can read it"));
        }
        if (status == 403)
        {
            throw new StarlingException(ErrorCode.ORIGIN_DENIED, "hub returned 403 for ModelScope model " + repoId +
                ": the token has no access; request access on the model's page");
        }
        if (status == 404 || status == 200)
        {
            throw new StarlingException(ErrorCode.ORIGIN_NOT_FOUND, "ModelScope has no model " + repoId +
                " at revision '" + revision + "' (" + status + (message.isEmpty() ? "" : ": " + message) +
                "); check the name and the revision after '@'");
        }
        throw new StarlingException(ErrorCode.ORIGIN_ERROR, "hub returned " + status + " for " + what +
            "; try again later");
    }
}
