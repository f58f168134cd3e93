package dev.starling.modelproxy;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.testkit.TestNode;
import dev.starling.modelproxy.testkit.HubContent;
import dev.starling.modelproxy.testkit.HubFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub endpoint against the hub fixture, with a real store and the origin downloader behind it: what the
 * Hugging Face clients send ({@code HEAD}, {@code Range: bytes=0-0}, {@code GET}, API calls) and what must not
 * pass (traversal, callers without access).
 */
@Timeout(120)
class HubProxyTest
{
    private static final int MIB = 1024 * 1024;
    private static final String REPO = "acme/tiny-llm";

    @TempDir
    Path tmp;

    private HubFixture hub;
    private TestNode node;
    private HubProxy proxy;
    private String commit;
    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void setUp()
    {
        hub = HubFixture.start();
        files.put("config.json", "{\"model_type\":\"llama\"}".getBytes(StandardCharsets.UTF_8));
        files.put("weights/model-00001-of-00002.safetensors", HubContent.random(3 * MIB + 17, 1));
        files.put("weights/model-00002-of-00002.safetensors", HubContent.random(MIB / 2, 2));
        files.put("tokenizer/vocab.txt", HubContent.random(70_000, 3));
        commit = hub.addRepo(RepoType.MODEL, REPO, "main", files,
            Set.of("weights/model-00001-of-00002.safetensors", "weights/model-00002-of-00002.safetensors"));
        node = new TestNode(new DataplaneContext().dataDir(tmp.resolve("data")).indexMaxTasks(1024)
            .pieceLengthBytes(MIB).conclude());
        proxy = HubProxy.start(new HubProxyContext().hubListen("127.0.0.1:0").hfUpstream(hub.url())
            .modelscopeUpstream(hub.url()).conclude(),
            node, 1);
    }

    @AfterEach
    void tearDown()
    {
        proxy.close();
        node.close();
        hub.close();
    }

    private HttpResponse<byte[]> send(final String method, final String path, final String... headers) throws Exception
    {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" +
            proxy.localAddress().getPort() + path)).timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2)
        {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void shouldAnswerHeadOfLfsFileWithTheHeadersClientsReadAndNoXetHeaders() throws Exception
    {
        final String path = "weights/model-00001-of-00002.safetensors";
        final byte[] content = files.get(path);
        final HttpResponse<byte[]> head = send("HEAD", "/" + REPO + "/resolve/main/" + path);
        assertEquals(200, head.statusCode());
        assertEquals("\"" + HubContent.sha256(content) + "\"", head.headers().firstValue("X-Linked-Etag").orElse(""));
        assertEquals(String.valueOf(content.length), head.headers().firstValue("X-Linked-Size").orElse(""));
        assertEquals(String.valueOf(content.length), head.headers().firstValue("Content-Length").orElse(""));
        assertEquals(commit, head.headers().firstValue("X-Repo-Commit").orElse(""));
        assertTrue(head.headers().firstValue("ETag").isPresent());
        assertFalse(head.headers().firstValue("Location").isPresent(), "the client must download from the proxy");
        assertTrue(head.headers().map().keySet().stream().noneMatch(h -> h.toLowerCase().startsWith("x-xet")),
            head.headers().map().toString());
        assertTrue(head.headers().allValues("Link").stream().noneMatch(v -> v.contains("xet")));

        final HttpResponse<byte[]> headProbe = send("HEAD", "/" + REPO + "/resolve/main/" + path, "Range",
            "bytes=0-0");
        assertEquals(206, headProbe.statusCode());
        assertEquals("bytes 0-0/" + content.length, headProbe.headers().firstValue("Content-Range").orElse(""));
        assertEquals("1", headProbe.headers().firstValue("Content-Length").orElse(""));

        final HttpResponse<byte[]> probe = send("GET", "/" + REPO + "/resolve/main/" + path, "Range", "bytes=0-0");
        assertEquals(206, probe.statusCode());
        assertEquals("bytes 0-0/" + content.length, probe.headers().firstValue("Content-Range").orElse(""));
        assertArrayEquals(new byte[] {content[0]}, probe.body());
    }

    @Test
    void shouldServeEveryFileByteExactAndAskTheHubForItsBytesOnce() throws Exception
    {
        for (int round = 0; round < 2; round++)
        {
            for (final Map.Entry<String, byte[]> f : files.entrySet())
            {
                final HttpResponse<byte[]> r = send("GET", "/" + REPO + "/resolve/main/" + f.getKey());
                assertEquals(200, r.statusCode(), f.getKey());
                assertArrayEquals(f.getValue(), r.body(), f.getKey());
                assertEquals(commit, r.headers().firstValue("X-Repo-Commit").orElse(""));
            }
        }
        for (final Map.Entry<String, byte[]> f : files.entrySet())
        {
            assertEquals(f.getValue().length, hub.contentBytesServed(REPO, f.getKey()),
                "the hub served " + f.getKey() + " more than once");
        }
    }

    @Test
    void shouldAnswerRangesFromTheTask() throws Exception
    {
        final String path = "weights/model-00001-of-00002.safetensors";
        final byte[] content = files.get(path);
        final HttpResponse<byte[]> r = send("GET", "/" + REPO + "/resolve/" + commit + "/" + path,
            "Range", "bytes=" + (MIB - 5) + "-");
        assertEquals(206, r.statusCode());
        assertArrayEquals(Arrays.copyOfRange(content, MIB - 5, content.length), r.body());
        assertEquals("bytes " + (MIB - 5) + "-" + (content.length - 1) + "/" + content.length,
            r.headers().firstValue("Content-Range").orElse(""));
        assertEquals(416, send("GET", "/" + REPO + "/resolve/main/" + path, "Range",
            "bytes=" + content.length + "-").statusCode());
    }

    @Test
    void shouldPassApiCallsThroughAndKeepPaginationOnTheProxy() throws Exception
    {
        final HttpResponse<byte[]> info = send("GET", "/api/models/" + REPO + "/revision/main");
        assertEquals(200, info.statusCode());
        assertTrue(new String(info.body(), StandardCharsets.UTF_8).contains(commit));

        final String self = "http://127.0.0.1:" + proxy.localAddress().getPort();
        final HttpResponse<byte[]> tree = send("GET", "/api/models/" + REPO + "/tree/" + commit +
            "?recursive=true&expand=false");
        assertEquals(200, tree.statusCode());
        final String link = tree.headers().firstValue("Link").orElse("");
        assertTrue(link.startsWith("<" + self + "/api/models/" + REPO + "/tree/"), link);
        final String next = link.substring(1 + self.length(), link.indexOf('>'));
        assertEquals(200, send("GET", next).statusCode());

        final HttpRequest paths = HttpRequest.newBuilder(URI.create(self + "/api/models/" + REPO + "/paths-info/" +
            commit)).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"paths\":[\"config.json\"],\"expand\":true}")).build();
        final HttpResponse<String> answer = http.send(paths, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode());
        assertTrue(answer.body().contains("\"config.json\""), answer.body());
    }

    @Test
    void shouldGiveTheHubsAnswerToCallersWithoutAccessAndNoBytes() throws Exception
    {
        hub.gate(REPO, "hf_secret");
        final String path = "weights/model-00002-of-00002.safetensors";
        final HttpResponse<byte[]> denied = send("GET", "/" + REPO + "/resolve/main/" + path);
        assertEquals(401, denied.statusCode());
        assertEquals(0, denied.body().length);
        assertEquals("GatedRepo", denied.headers().firstValue("X-Error-Code").orElse(""));
        assertEquals(403, send("GET", "/" + REPO + "/resolve/main/" + path, "Authorization",
            "Bearer wrong").statusCode());
        assertEquals(0, hub.contentBytesServed(REPO, path));

        final HttpResponse<byte[]> allowed = send("GET", "/" + REPO + "/resolve/main/" + path, "Authorization",
            "Bearer hf_secret");
        assertEquals(200, allowed.statusCode());
        assertArrayEquals(files.get(path), allowed.body());
        // In the store now; a caller without the token still gets nothing.
        assertEquals(401, send("GET", "/" + REPO + "/resolve/main/" + path).statusCode());
        assertEquals(401, send("HEAD", "/" + REPO + "/resolve/main/" + path).statusCode());
    }

    @Test
    void shouldRefuseTraversalAndPassUnknownRevisionsNotFound() throws Exception
    {
        for (final String bad : new String[] {"/" + REPO + "/resolve/main/..%2F..%2Fetc%2Fpasswd",
            "/" + REPO + "/resolve/main/%2e%2e/%2e%2e/etc/passwd", "/" + REPO + "/resolve/main/a%5C..%5Cb"})
        {
            final HttpResponse<byte[]> r = send("GET", bad);
            assertEquals(400, r.statusCode(), bad);
            assertEquals("BadRequest", r.headers().firstValue("X-Error-Code").orElse(""));
        }
        final HttpResponse<byte[]> unknown = send("GET", "/" + REPO + "/resolve/no-such-branch/config.json");
        assertEquals(404, unknown.statusCode());
        assertEquals(404, send("HEAD", "/" + REPO + "/resolve/main/missing.bin").statusCode());
        assertEquals(405, send("PUT", "/" + REPO + "/resolve/main/config.json").statusCode());
    }

    @Test
    void shouldServeModelScopeFilesFromTasksNamedByTheirSha256() throws Exception
    {
        final String repo = "acme/qwen-tiny";
        final byte[] weights = HubContent.random(2 * MIB + 3, 21);
        final byte[] config = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        hub.addRepo(RepoType.MODEL, repo, HubFixture.MODELSCOPE_DEFAULT_REVISION,
            Map.of("model.safetensors", weights, "conf/config.json", config), Set.of("model.safetensors"));
        for (int round = 0; round < 2; round++)
        {
            final HttpResponse<byte[]> w = send("GET", "/api/v1/models/" + repo +
                "/repo?Revision=master&FilePath=model.safetensors");
            assertEquals(200, w.statusCode());
            assertArrayEquals(weights, w.body());
            assertEquals("\"" + HubContent.sha256(weights) + "\"", w.headers().firstValue("ETag").orElse(""));
            final HttpResponse<byte[]> c = send("GET", "/api/v1/models/" + repo + "/repo?FilePath=conf%2Fconfig.json");
            assertEquals(200, c.statusCode());
            assertArrayEquals(config, c.body());
        }
        assertEquals(weights.length, hub.contentBytesServed(repo, "model.safetensors"));
        final HttpResponse<byte[]> tail = send("GET", "/api/v1/models/" + repo +
            "/repo?Revision=master&FilePath=model.safetensors", "Range", "bytes=-10");
        assertEquals(206, tail.statusCode());
        assertArrayEquals(Arrays.copyOfRange(weights, weights.length - 10, weights.length), tail.body());
        assertEquals(404, send("GET", "/api/v1/models/" + repo + "/repo?FilePath=missing.bin").statusCode());
        assertEquals(400, send("GET", "/api/v1/models/" + repo + "/repo?FilePath=..%2F..%2Fetc%2Fpasswd")
            .statusCode());

        hub.gate(repo, "ms_secret");
        final HttpResponse<byte[]> denied = send("GET", "/api/v1/models/" + repo +
            "/repo?Revision=v2&FilePath=model.safetensors");
        assertEquals(401, denied.statusCode());
        assertTrue(denied.body().length < 1024, "an error body, not the file");
    }
}
