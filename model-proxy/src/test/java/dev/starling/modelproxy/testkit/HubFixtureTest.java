package dev.starling.modelproxy.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.starling.modelproxy.RepoType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HubFixtureTest
{
    private static final String REPO = "org/model";
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final byte[] weights = new byte[10_000];
    private final byte[] config = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    private HubFixture hub;
    private String commit;

    @BeforeEach
    void setUp()
    {
        for (int i = 0; i < weights.length; i++)
        {
            weights[i] = (byte) (i * 31);
        }
        hub = HubFixture.start();
        commit = hub.addRepo(RepoType.MODEL, REPO, "main",
            Map.of("config.json", config, "sub/dir/model.bin", weights, "sub/readme.md", config),
            Set.of("sub/dir/model.bin"));
    }

    @AfterEach
    void tearDown()
    {
        hub.close();
    }

    @Test
    void shouldResolveRevisionNameAndCommitToTheSameDeterministicSha() throws Exception
    {
        assertTrue(commit.matches("[0-9a-f]{40}"));
        final JsonNode byName = json(get("/api/models/" + REPO + "/revision/main", null));
        final JsonNode bySha = json(get("/api/models/" + REPO + "/revision/" + commit, null));
        assertEquals(commit, byName.path("sha").asText());
        assertEquals(commit, bySha.path("sha").asText());
        assertEquals(3, byName.path("siblings").size());
        assertEquals(commit, json(get("/api/models/" + REPO, null)).path("sha").asText());
        try (HubFixture other = HubFixture.start())
        {
            assertEquals(commit, other.addRepo(RepoType.MODEL, REPO, "main",
                Map.of("config.json", config, "sub/dir/model.bin", weights, "sub/readme.md", config),
                Set.of("sub/dir/model.bin")));
        }
    }

    @Test
    void shouldAnswerNotFoundCodesWhenRepoOrRevisionIsUnknown() throws Exception
    {
        final HttpResponse<byte[]> repo = get("/api/models/org/none/revision/main", null);
        assertEquals(404, repo.statusCode());
        assertEquals("RepoNotFound", repo.headers().firstValue("X-Error-Code").orElse(null));
        final HttpResponse<byte[]> rev = get("/api/models/" + REPO + "/revision/nope", null);
        assertEquals(404, rev.statusCode());
        assertEquals("RevisionNotFound", rev.headers().firstValue("X-Error-Code").orElse(null));
    }

    @Test
    void shouldPageTreeWithAbsoluteLinkNextWhenListingRecursively() throws Exception
    {
        final List<JsonNode> entries = new ArrayList<>();
        String next = hub.url() + "/api/models/" + REPO + "/tree/main?recursive=true&expand=false";
        int pages = 0;
        while (next != null)
        {
            final HttpResponse<byte[]> page = http.send(HttpRequest.newBuilder(URI.create(next)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, page.statusCode());
            json(page).forEach(entries::add);
            pages++;
            final Matcher m = NEXT.matcher(page.headers().firstValue("Link").orElse(""));
            next = m.find() ? m.group(1) : null;
        }
        assertEquals(3, pages); // 3 files + 2 directories, 2 per page
        assertEquals(5, entries.size());
        final JsonNode lfs = entries.stream().filter(e -> e.path("path").asText().equals("sub/dir/model.bin"))
            .findFirst().orElseThrow();
        assertEquals(sha256(weights), lfs.path("lfs").path("oid").asText());
        assertEquals(weights.length, lfs.path("size").asLong());
        final JsonNode plain = entries.stream().filter(e -> e.path("path").asText().equals("config.json"))
            .findFirst().orElseThrow();
        assertEquals(HubContent.gitBlobSha1(config), plain.path("oid").asText());
        assertTrue(plain.path("lfs").isMissingNode());
        assertEquals(2, entries.stream().filter(e -> e.path("type").asText().equals("directory")).count());
    }

    @Test
    void shouldRedirectLfsToSignedCdnUrlWithLinkedHeaders() throws Exception
    {
        final HttpResponse<byte[]> redirect = get("/org/model/resolve/main/sub/dir/model.bin", null);
        assertEquals(302, redirect.statusCode());
        final String location = redirect.headers().firstValue("Location").orElseThrow();
        assertTrue(location.startsWith(hub.cdnUrl() + "/lfs/"), location);
        assertTrue(location.contains("X-Amz-Signature="), location);
        assertEquals("\"" + sha256(weights) + "\"", redirect.headers().firstValue("X-Linked-Etag").orElse(null));
        assertEquals(Integer.toString(weights.length), redirect.headers().firstValue("X-Linked-Size").orElse(null));
        assertEquals(commit, redirect.headers().firstValue("X-Repo-Commit").orElse(null));
        assertTrue(redirect.headers().firstValue("X-Xet-Hash").isPresent());
        assertTrue(redirect.headers().firstValue("Link").orElse("").contains("rel=\"xet-auth\""));

        final HttpResponse<byte[]> body = http.send(HttpRequest.newBuilder(URI.create(location)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertArrayEquals(weights, body.body());
        assertEquals(1, hub.contentGets(REPO, "sub/dir/model.bin"));
        assertEquals(weights.length, hub.contentBytesServed(REPO, "sub/dir/model.bin"));

        final HttpResponse<byte[]> tampered = http.send(HttpRequest.newBuilder(URI.create(
            location.replaceAll("X-Amz-Signature=[0-9a-f]+", "X-Amz-Signature=00"))).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(403, tampered.statusCode());
    }

    @Test
    void shouldServeRangesAndCountProbesSeparatelyWhenResolvingNonLfs() throws Exception
    {
        final HttpResponse<byte[]> probe = get("/org/model/resolve/" + commit + "/config.json", "bytes=0-0");
        assertEquals(206, probe.statusCode());
        assertEquals("bytes 0-0/" + config.length, probe.headers().firstValue("Content-Range").orElse(null));
        assertEquals("\"" + HubContent.gitBlobSha1(config) + "\"", probe.headers().firstValue("ETag").orElse(null));
        assertEquals(1, probe.body().length);

        final HttpResponse<byte[]> tail = get("/org/model/resolve/main/config.json", "bytes=2-");
        assertEquals(206, tail.statusCode());
        assertEquals(config.length - 2, tail.body().length);

        final HttpResponse<byte[]> whole = get("/org/model/resolve/main/config.json", null);
        assertArrayEquals(config, whole.body());
        assertEquals("bytes", whole.headers().firstValue("Accept-Ranges").orElse(null));
        assertEquals(3, hub.contentGets(REPO, "config.json"));
        assertEquals(1 + (config.length - 2) + config.length, hub.contentBytesServed(REPO, "config.json"));
        assertEquals(hub.contentBytesServed(REPO, "config.json"), hub.totalContentBytesServed());
        assertTrue(hub.requestLog().contains("GET /org/model/resolve/main/config.json Range=bytes=2-"),
            hub.requestLog().toString());
    }

    @Test
    void shouldRefuseGatedRepoWithoutTokenAndWithWrongToken() throws Exception
    {
        hub.gate(REPO, "secret");
        final HttpResponse<byte[]> none = get("/api/models/" + REPO + "/revision/main", null);
        assertEquals(401, none.statusCode());
        assertEquals("GatedRepo", none.headers().firstValue("X-Error-Code").orElse(null));
        final HttpResponse<byte[]> wrong = http.send(request("/org/model/resolve/main/config.json")
            .header("Authorization", "Bearer nope").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(403, wrong.statusCode());
        final HttpResponse<byte[]> right = http.send(request("/org/model/resolve/main/config.json")
            .header("Authorization", "Bearer secret").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertArrayEquals(config, right.body());
        assertEquals(0, hub.totalContentBytesServed() - config.length);
    }

    @Test
    void shouldAnswerPathsInfoForJsonAndFormBodies() throws Exception
    {
        final HttpResponse<byte[]> jsonBody = http.send(request("/api/models/" + REPO + "/paths-info/main")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"paths\":[\"config.json\",\"missing\",\"sub\"],\"expand\":true}"))
            .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(2, json(jsonBody).size());
        final HttpResponse<byte[]> form = http.send(request("/api/models/" + REPO + "/paths-info/main")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("paths=sub%2Fdir%2Fmodel.bin&expand=false"))
            .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(sha256(weights), json(form).get(0).path("lfs").path("oid").asText());
    }

    @Test
    void shouldListAndServeModelScopeFilesWhenRevisionIsMaster() throws Exception
    {
        final String msCommit = hub.addRepo(RepoType.MODEL, "ms/model", HubFixture.MODELSCOPE_DEFAULT_REVISION,
            Map.of("a/b.txt", config), Set.of());
        final JsonNode list = json(get("/api/v1/models/ms/model/repo/files?Revision=master&Recursive=true", null));
        assertTrue(list.path("Success").asBoolean());
        final JsonNode file = list.path("Data").path("Files").get(0);
        assertEquals("a/b.txt", file.path("Path").asText());
        assertEquals(sha256(config), file.path("Sha256").asText());
        assertEquals(msCommit, file.path("Revision").asText());
        final HttpResponse<byte[]> body = get("/api/v1/models/ms/model/repo?Revision=master&FilePath=a%2Fb.txt", null);
        assertArrayEquals(config, body.body());
        assertEquals(1, hub.contentGets("ms/model", "a/b.txt"));
    }

    @Test
    void shouldListInjectedPathWhenHookIsSet() throws Exception
    {
        hub.injectListedPath(REPO, "../escape.txt");
        hub.pageSize(100);
        final JsonNode tree = json(get("/api/models/" + REPO + "/tree/main?recursive=true", null));
        assertEquals(6, tree.size());
        assertFalse(hub.requestLog().isEmpty());
        assertNotNull(tree.findValue("path"));
    }

    private HttpRequest.Builder request(final String path)
    {
        return HttpRequest.newBuilder(URI.create(hub.url() + path));
    }

    private HttpResponse<byte[]> get(final String path, final String range) throws IOException, InterruptedException
    {
        final HttpRequest.Builder b = request(path);
        if (range != null)
        {
            b.header("Range", range);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(final HttpResponse<byte[]> response) throws IOException
    {
        return JSON.readTree(response.body());
    }

    private static String sha256(final byte[] bytes) throws Exception
    {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
