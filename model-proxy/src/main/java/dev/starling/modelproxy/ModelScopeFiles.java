package dev.starling.modelproxy;

import dev.starling.dataplane.serve.AccessCache;

import java.net.http.HttpClient;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Finds a ModelScope file's metadata for the hub endpoint: ModelScope's file download
 * ({@code /api/v1/models/{repo}/repo?Revision=…&FilePath=…}) carries no digest or commit header, so the file is
 * looked up in the repository's listing (which gives its {@code Sha256}, size and commit), fetched with the caller's
 * own token — which is also the access check — and kept briefly per (revision, credential). Thread-safe.
 */
final class ModelScopeFiles
{
    private static final int MAX_ENTRIES = 256;

    private record Listing(Map<String, HubFile> files, long untilMs)
    {
    }

    private final HubProxyContext ctx;
    private final HttpClient client;
    private final Executor executor;
    private final ConcurrentHashMap<String, Listing> listings = new ConcurrentHashMap<>();

    /**
     * @param ctx      concluded settings (upstream, cache time).
     * @param client   the endpoint's HTTP client.
     * @param executor where the blocking listing calls run (never an event loop).
     */
    ModelScopeFiles(final HubProxyContext ctx, final HttpClient client, final Executor executor)
    {
        this.ctx = ctx;
        this.client = client;
        this.executor = executor;
    }

    /**
     * @param repoId        {@code ORG/NAME}.
     * @param revision      the revision asked for.
     * @param path          the file's path ({@link HubNames#isSafePath}).
     * @param authorization the caller's {@code Authorization} header, or null.
     * @return completes with the file, or null when the listing does not have it; or with the listing's
     * {@link dev.starling.dataplane.error.StarlingException} (401, 403, 404, unreachable).
     */
    CompletableFuture<HubFile> find(final String repoId, final String revision, final String path,
        final String authorization)
    {
        final String key = AccessCache.key(ctx.modelscopeUpstream() + " " + repoId + " " + revision, authorization);
        final long nowMs = System.currentTimeMillis();
        final Listing cached = listings.get(key);
        if (cached != null && cached.untilMs > nowMs)
        {
            return CompletableFuture.completedFuture(cached.files.get(path));
        }
        return CompletableFuture.supplyAsync(() ->
        {
            final String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ?
                authorization.substring(7).trim() : null;
            final HubListing listing = new ModelScopeApi(ctx.modelscopeUpstream(), client, token)
                .list(RepoType.MODEL, repoId, revision);
            final Map<String, HubFile> files = new HashMap<>();
            for (final HubFile f : listing.files())
            {
                files.put(f.path(), f);
            }
            remember(key, new Listing(files, System.currentTimeMillis() + ctx.authCacheMs()));
            return files.get(path);
        }, executor);
    }

    /**
     * @param file a file this class found.
     * @return where its bytes are fetched from: the upstream's download URL at the file's commit.
     */
    java.net.URI downloadUrl(final HubFile file)
    {
        return new ModelScopeApi(ctx.modelscopeUpstream(), client, null).downloadUrl(file);
    }

    private void remember(final String key, final Listing listing)
    {
        if (ctx.authCacheMs() <= 0)
        {
            return;
        }
        if (listings.size() >= MAX_ENTRIES)
        {
            final long now = System.currentTimeMillis();
            listings.entrySet().removeIf(e -> e.getValue().untilMs <= now);
            if (listings.size() >= MAX_ENTRIES)
            {
                listings.clear();
            }
        }
        listings.put(key, listing);
    }
}
