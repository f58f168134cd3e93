package dev.starling.modelproxy.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.starling.modelproxy.RepoType;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face hub (and ModelScope) test double: an in-process HTTP server on {@code 127.0.0.1} that answers the
 * hub API and file endpoints the way huggingface.co does, plus a second listener standing in for the LFS storage CDN
 * that LFS downloads redirect to. Repositories live in memory ({@link #addRepo}).
 * <p>
 * Hugging Face endpoints ({@code {type}} is {@code models}, {@code datasets} or {@code spaces}):
 * <ul>
 *     <li>{@code GET /api/{type}/{repo}/revision/{rev}} (and {@code GET /api/{type}/{repo}} for the {@code main}
 *     revision): {@code {"id","sha","siblings":[{"rfilename"}],"private","gated",…}}. An unknown repository gets 404
 *     with {@code X-Error-Code: RepoNotFound}, an unknown revision 404 with {@code RevisionNotFound}.</li>
 *     <li>{@code GET /api/{type}/{repo}/tree/{rev}[/{dir}]?recursive=true&expand=false[&cursor=…]}: file and
 *     directory entries, {@link #pageSize(int)} per page (default 2), the next page in
 *     {@code Link: <absolute url>; rel="next"}. A missing directory gets 404 {@code EntryNotFound}.</li>
 *     <li>{@code POST /api/{type}/{repo}/paths-info/{rev}}, JSON {@code {"paths":[…],"expand":…}} or form-encoded
 *     {@code paths=…&expand=…}: one entry per existing path.</li>
 *     <li>{@code HEAD|GET /[datasets/|spaces/]{repo}/resolve/{rev}/{path}}: a non-LFS file is answered directly
 *     (200 or 206, {@code ETag: "<git blob sha1>"}, {@code X-Repo-Commit}, {@code Accept-Ranges: bytes}); an LFS file
 *     gets 302 to the CDN with {@code X-Linked-Etag}, {@code X-Linked-Size}, {@code X-Repo-Commit},
 *     {@code ETag: "<sha256>"}, {@code X-Xet-Hash} and {@code Link: <…/xet-read-token/…>; rel="xet-auth"}. A missing
 *     file gets 404 {@code EntryNotFound}.</li>
 * </ul>
 * The CDN ({@link #cdnUrl()}) answers {@code GET|HEAD /lfs/{sha256}?repo=…&file=…&Expires=…&X-Amz-Signature=…} with
 * the bytes (ranges supported); a URL whose signature does not match gets 403, as a tampered signed URL would.
 * <p>
 * ModelScope endpoints on the same server (model repositories; default revision {@code master}):
 * {@code GET /api/v1/models/{repo}/repo/files?Revision=…&Recursive=true} lists files with their {@code Sha256} and
 * {@code Revision} (the commit sha); {@code GET /api/v1/models/{repo}/repo?Revision=…&FilePath=…} returns the bytes.
 * <p>
 * Gating ({@link #gate}): hub API, resolve and ModelScope requests for the repository without
 * {@code Authorization: Bearer <token>} get 401 with {@code X-Error-Code: GatedRepo}, a wrong token 403. The CDN stays
 * open: its URLs are signed.
 * <p>
 * Counters: {@link #contentGets} and {@link #contentBytesServed} count GET responses that carried bytes of a file,
 * wherever they were served (resolve, CDN, ModelScope), ranged or not, counted when the response starts (a client
 * that drops the connection early still counts the whole response); {@link #requestLog()} lists every request to
 * either listener as {@code METHOD path[?query][ Range=value]}.
 * <p>
 * Test hook: {@link #injectListedPath} adds a path (for example {@code ../escape}) to every listing of a repository,
 * to test that clients refuse unsafe names. Its content cannot be downloaded.
 * <p>
 * The test owns the instance and must {@link #close()} it. Methods may be called from any thread.
 */
public final class HubFixture implements AutoCloseable
{
    /** The pagination default: small, so every listing test pages. */
    public static final int DEFAULT_PAGE_SIZE = 2;
    /** The revision ModelScope uses when none is given. */
    public static final String MODELSCOPE_DEFAULT_REVISION = "master";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SIGNING_SECRET = "starling-hub-fixture";
    private static final Pattern RANGE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService executor;
    private final Map<String, HubRepoState> repos = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> contentGets = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> contentBytes = new ConcurrentHashMap<>();
    private final AtomicLong totalContentBytes = new AtomicLong();
    private final List<String> requestLog = new CopyOnWriteArrayList<>();
    private volatile int pageSize = DEFAULT_PAGE_SIZE;

    private HubFixture() throws IOException
    {
        final InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        executor = Executors.newFixedThreadPool(16, r ->
        {
            final Thread t = new Thread(r, "hub-fixture");
            t.setDaemon(true);
            return t;
        });
        hub = HttpServer.create(any, 64);
        cdn = HttpServer.create(any, 64);
        hub.createContext("/", ex -> handle(ex, false));
        cdn.createContext("/", ex -> handle(ex, true));
        hub.setExecutor(executor);
        cdn.setExecutor(executor);
        hub.start();
        cdn.start();
    }

    /**
     * @return a started fixture with no repositories.
     */
    public static HubFixture start()
    {
        try
        {
            return new HubFixture();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return the hub's base URL, {@code http://127.0.0.1:PORT}, no trailing slash.
     */
    public String url()
    {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    /**
     * @return the CDN's base URL, {@code http://127.0.0.1:PORT}.
     */
    public String cdnUrl()
    {
        return "http://127.0.0.1:" + cdn.getAddress().getPort();
    }

    /**
     * Adds a commit to a repository (created on first use) and points {@code revision} at it; adding again with the
     * same revision moves it.
     *
     * @param type     repository type.
     * @param repoId   {@code ORG/NAME}.
     * @param revision branch or tag name, e.g. {@code main} ({@code master} for ModelScope).
     * @param files    path (may contain {@code /}) to content; the arrays are kept, not copied: do not modify them.
     * @param lfsPaths which of the paths are LFS files.
     * @return the commit sha (40 hex), deterministic in the arguments; it resolves as a revision too.
     */
    public String addRepo(final RepoType type, final String repoId, final String revision,
        final Map<String, byte[]> files, final Set<String> lfsPaths)
    {
        final HubRepoState repo = repos.computeIfAbsent(key(type, repoId), k -> new HubRepoState(type, repoId));
        return repo.addCommit(revision, files, lfsPaths);
    }

    /**
     * Gates every repository with this id: requests then need {@code Authorization: Bearer <token>}.
     *
     * @param repoId {@code ORG/NAME}.
     * @param token  the token that opens it.
     */
    public void gate(final String repoId, final String token)
    {
        repos.values().stream().filter(r -> r.repoId.equals(repoId)).forEach(r -> r.gateToken = token);
    }

    /**
     * Adds {@code path} to every listing (tree, paths-info, siblings, ModelScope files) of the repositories with
     * this id, as a 4-byte non-LFS file that cannot be downloaded: a hostile or broken hub's listing.
     *
     * @param repoId {@code ORG/NAME}.
     * @param path   any text, e.g. {@code ../escape.txt}.
     */
    public void injectListedPath(final String repoId, final String path)
    {
        repos.values().stream().filter(r -> r.repoId.equals(repoId)).forEach(r -> r.injectedPaths.add(path));
    }

    /**
     * Serves {@code bytes} for {@code path} from now on while every listing and header keeps describing the
     * original content: a hub (or a storage layer) that returns bytes other than the ones it lists.
     *
     * @param repoId {@code ORG/NAME}.
     * @param path   a file of the repository.
     * @param bytes  what to serve instead; kept, not copied.
     */
    public void tamper(final String repoId, final String path, final byte[] bytes)
    {
        repos.values().stream().filter(r -> r.repoId.equals(repoId)).forEach(r -> r.tampered.put(path, bytes));
    }

    /**
     * @param n tree entries per page, at least 1.
     */
    public void pageSize(final int n)
    {
        if (n < 1)
        {
            throw new IllegalArgumentException("page size must be at least 1: " + n);
        }
        pageSize = n;
    }

    /**
     * @return GET responses that carried bytes of this file (resolve, CDN or ModelScope; ranged or not).
     */
    public int contentGets(final String repoId, final String path)
    {
        final AtomicInteger n = contentGets.get(repoId + '\0' + path);
        return n == null ? 0 : n.get();
    }

    /**
     * @return bytes of this file sent in GET responses.
     */
    public long contentBytesServed(final String repoId, final String path)
    {
        final AtomicLong n = contentBytes.get(repoId + '\0' + path);
        return n == null ? 0 : n.get();
    }

    /**
     * @return file bytes sent in GET responses, all files together.
     */
    public long totalContentBytesServed()
    {
        return totalContentBytes.get();
    }

    /**
     * @return every request so far, in arrival order, as {@code METHOD path[?query][ Range=value]} (raw path and
     *     query as sent); a copy.
     */
    public List<String> requestLog()
    {
        return List.copyOf(requestLog);
    }

    @Override
    public void close()
    {
        hub.stop(0);
        cdn.stop(0);
        executor.shutdownNow();
    }

    private static String key(final RepoType type, final String repoId)
    {
        return type.apiSegment() + '\0' + repoId;
    }

    private void handle(final HttpExchange ex, final boolean isCdn)
    {
        try (ex)
        {
            final String rawPath = ex.getRequestURI().getRawPath();
            final String query = ex.getRequestURI().getRawQuery();
            final String range = ex.getRequestHeaders().getFirst("Range");
            requestLog.add(ex.getRequestMethod() + " " + rawPath + (query == null ? "" : "?" + query) +
                (range == null ? "" : " Range=" + range));
            if (isCdn)
            {
                handleCdn(ex, rawPath, params(query));
            }
            else
            {
                route(ex, rawPath, params(query));
            }
        }
        catch (final IOException | RuntimeException ex2)
        {
            // the client went away, or a test sent something odd: nothing for the fixture to do
        }
    }

    private void route(final HttpExchange ex, final String rawPath, final Map<String, String> params)
        throws IOException
    {
        final String method = ex.getRequestMethod();
        final List<String> segs = segments(rawPath);
        if (segs.size() >= 4 && segs.get(0).equals("api") && segs.get(1).equals("v1") && segs.get(2).equals("models"))
        {
            modelScope(ex, segs.subList(3, segs.size()), params);
            return;
        }
        if (segs.size() >= 3 && segs.get(0).equals("api") && RepoType.ofSegment(segs.get(1)) != null)
        {
            final RepoType type = RepoType.ofSegment(segs.get(1));
            final List<String> rest = segs.subList(2, segs.size());
            final int repoLen = repoLength(rest, Set.of("revision", "tree", "paths-info"));
            final String repoId = String.join("/", rest.subList(0, repoLen));
            final List<String> op = rest.subList(repoLen, rest.size());
            final HubRepoState repo = repoOrError(ex, type, repoId);
            if (repo == null)
            {
                return;
            }
            if (op.isEmpty() && method.equals("GET"))
            {
                revisionInfo(ex, repo, "main");
            }
            else if (op.size() == 2 && op.get(0).equals("revision") && method.equals("GET"))
            {
                revisionInfo(ex, repo, op.get(1));
            }
            else if (op.size() >= 2 && op.get(0).equals("tree") && method.equals("GET"))
            {
                tree(ex, repo, op.get(1), String.join("/", op.subList(2, op.size())), params);
            }
            else if (op.size() == 2 && op.get(0).equals("paths-info") && method.equals("POST"))
            {
                pathsInfo(ex, repo, op.get(1));
            }
            else
            {
                error(ex, 404, "EntryNotFound", "no such endpoint");
            }
            return;
        }
        RepoType type = RepoType.MODEL;
        List<String> rest = segs;
        if (!segs.isEmpty() && (segs.get(0).equals("datasets") || segs.get(0).equals("spaces")))
        {
            type = RepoType.ofSegment(segs.get(0));
            rest = segs.subList(1, segs.size());
        }
        final int repoLen = repoLength(rest, Set.of("resolve"));
        if (rest.size() >= repoLen + 3 && rest.get(repoLen).equals("resolve") &&
            (method.equals("GET") || method.equals("HEAD")))
        {
            final HubRepoState repo = repoOrError(ex, type, String.join("/", rest.subList(0, repoLen)));
            if (repo != null)
            {
                resolve(ex, repo, rest.get(repoLen + 1), String.join("/", rest.subList(repoLen + 2, rest.size())));
            }
            return;
        }
        error(ex, 404, null, "not found");
    }

    /** A repository id is {@code ORG/NAME}, or a bare {@code NAME} when the next segment is an operation. */
    private static int repoLength(final List<String> rest, final Set<String> ops)
    {
        return rest.size() >= 2 && !ops.contains(rest.get(1)) ? 2 : 1;
    }

    private HubRepoState repoOrError(final HttpExchange ex, final RepoType type, final String repoId)
        throws IOException
    {
        final HubRepoState repo = repos.get(key(type, repoId));
        if (repo == null)
        {
            error(ex, 404, "RepoNotFound", "Repository Not Found for url: " + ex.getRequestURI());
            return null;
        }
        final String token = repo.gateToken;
        if (token != null)
        {
            final String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth == null)
            {
                error(ex, 401, "GatedRepo", "Access to model " + repoId + " is restricted. You must have access " +
                    "to it and be authenticated to access it. Please log in.");
                return null;
            }
            if (!auth.equals("Bearer " + token))
            {
                error(ex, 403, "GatedRepo", "Access to model " + repoId + " is restricted and you are not in the " +
                    "authorized list.");
                return null;
            }
        }
        return repo;
    }

    private NavigableMap<String, HubRepoState.Entry> snapshotOrError(final HttpExchange ex, final HubRepoState repo,
        final String commit, final String revision) throws IOException
    {
        if (commit == null)
        {
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return null;
        }
        return repo.commits.get(commit);
    }

    private void revisionInfo(final HttpExchange ex, final HubRepoState repo, final String revision)
        throws IOException
    {
        final String commit = repo.resolve(revision);
        final NavigableMap<String, HubRepoState.Entry> files = snapshotOrError(ex, repo, commit, revision);
        if (files == null)
        {
            return;
        }
        final ObjectNode info = JSON.createObjectNode();
        info.put("_id", commit.substring(0, 24)).put("id", repo.repoId);
        if (repo.type == RepoType.MODEL)
        {
            info.put("modelId", repo.repoId);
        }
        info.put("author", repo.repoId.contains("/") ? repo.repoId.substring(0, repo.repoId.indexOf('/')) : null)
            .put("sha", commit).put("lastModified", "2024-01-01T00:00:00.000Z").put("private", false)
            .put("disabled", false);
        if (repo.gateToken == null)
        {
            info.put("gated", false);
        }
        else
        {
            info.put("gated", "auto");
        }
        info.putArray("tags");
        final ArrayNode siblings = info.putArray("siblings");
        for (final String path : listedPaths(repo, files))
        {
            siblings.addObject().put("rfilename", path);
        }
        sendJson(ex, 200, info);
    }

    private List<String> listedPaths(final HubRepoState repo, final NavigableMap<String, HubRepoState.Entry> files)
    {
        final List<String> paths = new ArrayList<>(files.keySet());
        paths.addAll(repo.injectedPaths);
        return paths;
    }

    /** Every file and directory entry of a snapshot, injected paths included, sorted by path. */
    private Map<String, ObjectNode> entries(final HubRepoState repo, final NavigableMap<String, HubRepoState.Entry> files)
    {
        final Map<String, ObjectNode> all = new java.util.TreeMap<>();
        for (final HubRepoState.Entry e : files.values())
        {
            all.put(e.path(), fileEntry(e));
            addDirectories(all, e.path());
        }
        for (final String path : repo.injectedPaths)
        {
            final byte[] bytes = "evil".getBytes(StandardCharsets.US_ASCII);
            all.put(path, JSON.createObjectNode().put("type", "file").put("oid", HubContent.gitBlobSha1(bytes))
                .put("size", bytes.length).put("path", path));
        }
        return all;
    }

    private static void addDirectories(final Map<String, ObjectNode> all, final String path)
    {
        int slash = path.indexOf('/');
        while (slash > 0)
        {
            final String dir = path.substring(0, slash);
            all.computeIfAbsent(dir, d -> JSON.createObjectNode().put("type", "directory")
                .put("oid", HubContent.hex("SHA-1", ("tree " + d).getBytes(StandardCharsets.UTF_8)))
                .put("size", 0).put("path", d));
            slash = path.indexOf('/', slash + 1);
        }
    }

    private static ObjectNode fileEntry(final HubRepoState.Entry e)
    {
        final ObjectNode node = JSON.createObjectNode().put("type", "file").put("oid", e.gitOid())
            .put("size", e.bytes().length).put("path", e.path());
        if (e.lfs())
        {
            node.putObject("lfs").put("oid", e.sha256()).put("size", e.bytes().length)
                .put("pointerSize", e.pointerSize());
        }
        return node;
    }

    private void tree(final HttpExchange ex, final HubRepoState repo, final String revision, final String dir,
        final Map<String, String> params) throws IOException
    {
        final String commit = repo.resolve(revision);
        final NavigableMap<String, HubRepoState.Entry> files = snapshotOrError(ex, repo, commit, revision);
        if (files == null)
        {
            return;
        }
        final boolean recursive = "true".equalsIgnoreCase(params.get("recursive")) || "1".equals(params.get("recursive"));
        final Map<String, ObjectNode> all = entries(repo, files);
        if (!dir.isEmpty() && (!all.containsKey(dir) || !"directory".equals(all.get(dir).path("type").asText())))
        {
            error(ex, 404, "EntryNotFound", "Entry not found: " + dir);
            return;
        }
        final String prefix = dir.isEmpty() ? "" : dir + "/";
        final List<ObjectNode> selected = new ArrayList<>();
        for (final Map.Entry<String, ObjectNode> e : all.entrySet())
        {
            final String path = e.getKey();
            if (path.startsWith(prefix) && (recursive || path.indexOf('/', prefix.length()) < 0))
            {
                selected.add(e.getValue());
            }
        }
        final int start = params.containsKey("cursor") ?
            Integer.parseInt(new String(Base64.getUrlDecoder().decode(params.get("cursor")), StandardCharsets.UTF_8)) : 0;
        final int end = Math.min(selected.size(), start + pageSize);
        final ArrayNode page = JSON.createArrayNode();
        selected.subList(Math.min(start, end), end).forEach(page::add);
        if (end < selected.size())
        {
            final String cursor = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Integer.toString(end).getBytes(StandardCharsets.UTF_8));
            final String next = url() + ex.getRequestURI().getRawPath() + "?recursive=" + recursive +
                "&expand=false&cursor=" + cursor;
            ex.getResponseHeaders().set("Link", "<" + next + ">; rel=\"next\"");
        }
        sendJson(ex, 200, page);
    }

    private void pathsInfo(final HttpExchange ex, final HubRepoState repo, final String revision) throws IOException
    {
        final byte[] body;
        try (InputStream in = ex.getRequestBody())
        {
            body = in.readAllBytes();
        }
        final String commit = repo.resolve(revision);
        final NavigableMap<String, HubRepoState.Entry> files = snapshotOrError(ex, repo, commit, revision);
        if (files == null)
        {
            return;
        }
        final List<String> wanted = new ArrayList<>();
        final String contentType = ex.getRequestHeaders().getFirst("Content-Type");
        if (contentType != null && contentType.startsWith("application/x-www-form-urlencoded"))
        {
            for (final String pair : new String(body, StandardCharsets.UTF_8).split("&"))
            {
                final int eq = pair.indexOf('=');
                if (eq > 0 && URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8).equals("paths"))
                {
                    wanted.add(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        else
        {
            final JsonNode paths = JSON.readTree(body).path("paths");
            if (paths.isTextual())
            {
                wanted.add(paths.asText());
            }
            paths.forEach(p -> wanted.add(p.asText()));
        }
        final Map<String, ObjectNode> all = entries(repo, files);
        final ArrayNode out = JSON.createArrayNode();
        for (final String path : new TreeSet<>(wanted))
        {
            if (all.containsKey(path))
            {
                out.add(all.get(path));
            }
        }
        sendJson(ex, 200, out);
    }

    private void resolve(final HttpExchange ex, final HubRepoState repo, final String revision, final String path)
        throws IOException
    {
        final String commit = repo.resolve(revision);
        final NavigableMap<String, HubRepoState.Entry> files = snapshotOrError(ex, repo, commit, revision);
        if (files == null)
        {
            return;
        }
        final HubRepoState.Entry entry = files.get(path);
        if (entry == null)
        {
            error(ex, 404, "EntryNotFound", "Entry not found: " + path);
            return;
        }
        ex.getResponseHeaders().set("X-Repo-Commit", commit);
        if (!entry.lfs())
        {
            ex.getResponseHeaders().set("ETag", "\"" + entry.gitOid() + "\"");
            serveBytes(ex, repo.repoId, entry);
            return;
        }
        final String expires = Long.toString(4_102_444_800L);
        final String location = cdnUrl() + "/lfs/" + entry.sha256() + "?repo=" + encode(repo.repoId) + "&file=" +
            encode(entry.path()) + "&Expires=" + expires + "&X-Amz-Signature=" + signature(entry.sha256(), expires);
        ex.getResponseHeaders().set("Location", location);
        ex.getResponseHeaders().set("ETag", "\"" + entry.sha256() + "\"");
        ex.getResponseHeaders().set("X-Linked-Etag", "\"" + entry.sha256() + "\"");
        ex.getResponseHeaders().set("X-Linked-Size", Integer.toString(entry.bytes().length));
        ex.getResponseHeaders().set("X-Xet-Hash", HubContent.hex("SHA-256", entry.sha256().getBytes(StandardCharsets.US_ASCII)));
        ex.getResponseHeaders().set("Link", "<" + url() + "/api/" + repo.type.apiSegment() + "/" + repo.repoId +
            "/xet-read-token/" + commit + ">; rel=\"xet-auth\"");
        ex.sendResponseHeaders(302, -1);
    }

    private void handleCdn(final HttpExchange ex, final String rawPath, final Map<String, String> params)
        throws IOException
    {
        final List<String> segs = segments(rawPath);
        final String method = ex.getRequestMethod();
        if (segs.size() != 2 || !segs.get(0).equals("lfs") || !(method.equals("GET") || method.equals("HEAD")))
        {
            ex.sendResponseHeaders(404, -1);
            return;
        }
        final String sha256 = segs.get(1);
        final String expires = params.get("Expires");
        if (expires == null || !signature(sha256, expires).equals(params.get("X-Amz-Signature")))
        {
            ex.sendResponseHeaders(403, -1);
            return;
        }
        final String repoId = params.getOrDefault("repo", "");
        final String file = params.getOrDefault("file", "");
        for (final HubRepoState repo : repos.values())
        {
            if (!repo.repoId.equals(repoId))
            {
                continue;
            }
            for (final NavigableMap<String, HubRepoState.Entry> snapshot : repo.commits.values())
            {
                final HubRepoState.Entry entry = snapshot.get(file);
                if (entry != null && entry.lfs() && entry.sha256().equals(sha256))
                {
                    ex.getResponseHeaders().set("ETag", "\"" + sha256 + "\"");
                    serveBytes(ex, repoId, entry);
                    return;
                }
            }
        }
        ex.sendResponseHeaders(404, -1);
    }

    private void modelScope(final HttpExchange ex, final List<String> rest, final Map<String, String> params)
        throws IOException
    {
        final boolean files = rest.size() >= 3 && rest.get(rest.size() - 2).equals("repo") &&
            rest.get(rest.size() - 1).equals("files");
        final boolean file = !files && rest.size() >= 2 && rest.get(rest.size() - 1).equals("repo");
        if (!files && !file || !ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD"))
        {
            modelScopeError(ex, 404, "no such endpoint");
            return;
        }
        final String repoId = String.join("/", rest.subList(0, rest.size() - (files ? 2 : 1)));
        final HubRepoState repo = repos.get(key(RepoType.MODEL, repoId));
        if (repo == null)
        {
            modelScopeError(ex, 404, "model " + repoId + " not found");
            return;
        }
        final String token = repo.gateToken;
        final String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (token != null && !("Bearer " + token).equals(auth))
        {
            modelScopeError(ex, auth == null ? 401 : 403, "model " + repoId + " is gated");
            return;
        }
        final String revision = params.getOrDefault("Revision", MODELSCOPE_DEFAULT_REVISION);
        final String commit = repo.resolve(revision);
        if (commit == null)
        {
            modelScopeError(ex, 404, "revision " + revision + " not found");
            return;
        }
        final NavigableMap<String, HubRepoState.Entry> snapshot = repo.commits.get(commit);
        if (file)
        {
            final HubRepoState.Entry entry = snapshot.get(params.getOrDefault("FilePath", ""));
            if (entry == null)
            {
                modelScopeError(ex, 404, "file not found");
                return;
            }
            serveBytes(ex, repoId, entry);
            return;
        }
        final ObjectNode out = JSON.createObjectNode().put("Code", 200).put("Success", true).put("Message", "success");
        final ArrayNode list = out.putObject("Data").putArray("Files");
        final Map<String, ObjectNode> dirs = new java.util.TreeMap<>();
        for (final HubRepoState.Entry e : snapshot.values())
        {
            addDirectories(dirs, e.path());
            list.addObject().put("Name", e.path().substring(e.path().lastIndexOf('/') + 1)).put("Path", e.path())
                .put("Type", "blob").put("Size", e.bytes().length).put("Sha256", e.sha256()).put("Revision", commit)
                .put("IsLFS", e.lfs());
        }
        for (final String path : repo.injectedPaths)
        {
            list.addObject().put("Name", path).put("Path", path).put("Type", "blob").put("Size", 4)
                .put("Revision", commit);
        }
        for (final String dir : dirs.keySet())
        {
            list.addObject().put("Name", dir.substring(dir.lastIndexOf('/') + 1)).put("Path", dir).put("Type", "tree")
                .put("Size", 0).put("Revision", commit);
        }
        sendJson(ex, 200, out);
    }

    private static void modelScopeError(final HttpExchange ex, final int status, final String message)
        throws IOException
    {
        sendJson(ex, status, JSON.createObjectNode().put("Code", status).put("Success", false).put("Message", message));
    }

    /** Serves a file's bytes (or a range of them) and counts a GET that carried any. */
    private void serveBytes(final HttpExchange ex, final String repoId, final HubRepoState.Entry entry)
        throws IOException
    {
        final byte[] tampered = repos.values().stream().filter(r -> r.repoId.equals(repoId))
            .map(r -> r.tampered.get(entry.path())).filter(java.util.Objects::nonNull).findFirst().orElse(null);
        final byte[] bytes = tampered != null ? tampered : entry.bytes();
        final long size = bytes.length;
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        long first = 0;
        long last = size - 1;
        int status = 200;
        final String range = ex.getRequestHeaders().getFirst("Range");
        final Matcher m = range == null ? null : RANGE.matcher(range.trim());
        if (m != null && m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty()))
        {
            if (m.group(1).isEmpty())
            {
                first = Math.max(0, size - Long.parseLong(m.group(2)));
            }
            else
            {
                first = Long.parseLong(m.group(1));
                last = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
            }
            if (first >= size || first > last)
            {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + size);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            status = 206;
            ex.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + last + "/" + size);
        }
        final long length = last - first + 1;
        if (ex.getRequestMethod().equals("HEAD"))
        {
            ex.getResponseHeaders().set("Content-Length", Long.toString(Math.max(length, 0)));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        if (length <= 0)
        {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, length);
        final String counterKey = repoId + '\0' + entry.path();
        // Counted before the write, so a client that has read the bytes always sees them counted.
        contentGets.computeIfAbsent(counterKey, k -> new AtomicInteger()).incrementAndGet();
        contentBytes.computeIfAbsent(counterKey, k -> new AtomicLong()).addAndGet(length);
        totalContentBytes.addAndGet(length);
        try (OutputStream out = ex.getResponseBody())
        {
            out.write(bytes, (int) first, (int) length);
        }
    }

    private static void error(final HttpExchange ex, final int status, final String code, final String message)
        throws IOException
    {
        if (code != null)
        {
            ex.getResponseHeaders().set("X-Error-Code", code);
        }
        ex.getResponseHeaders().set("X-Error-Message", message);
        sendJson(ex, status, JSON.createObjectNode().put("error", message));
    }

    private static void sendJson(final HttpExchange ex, final int status, final JsonNode body) throws IOException
    {
        final byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        if (ex.getRequestMethod().equals("HEAD"))
        {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody())
        {
            out.write(bytes);
        }
    }

    private static String signature(final String sha256, final String expires)
    {
        return HubContent.hex("SHA-256", (SIGNING_SECRET + sha256 + expires).getBytes(StandardCharsets.UTF_8))
            .substring(0, 32);
    }

    /** Path segments, each URL-decoded once (so {@code refs%2Fpr%2F1} stays one segment). */
    private static List<String> segments(final String rawPath)
    {
        final List<String> out = new ArrayList<>();
        for (final String s : rawPath.split("/"))
        {
            if (!s.isEmpty())
            {
                out.add(decode(s));
            }
        }
        return out;
    }

    private static Map<String, String> params(final String rawQuery)
    {
        final Map<String, String> out = new LinkedHashMap<>();
        if (rawQuery != null)
        {
            Arrays.stream(rawQuery.split("&")).filter(p -> !p.isEmpty()).forEach(p ->
            {
                final int eq = p.indexOf('=');
                out.put(decode(eq < 0 ? p : p.substring(0, eq)), eq < 0 ? "" : decode(p.substring(eq + 1)));
            });
        }
        return out;
    }

    private static String decode(final String s)
    {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String encode(final String s)
    {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
