package dev.starling.modelproxy;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.modelproxy.testkit.HubFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelScopeApiTest
{
    private static final String REPO = "qwen/tiny";

    private final HttpClient http = HttpClient.newHttpClient();
    private final byte[] weights = new byte[3000];
    private final byte[] config = "{\"x\":2}".getBytes(StandardCharsets.UTF_8);
    private HubFixture hub;
    private String commit;

    @BeforeEach
    void setUp()
    {
        hub = HubFixture.start();
        commit = hub.addRepo(RepoType.MODEL, REPO, "master", Map.of("config.json", config, "sub/model.bin", weights),
            Set.of("sub/model.bin"));
    }

    @AfterEach
    void tearDown()
    {
        hub.close();
    }

    @Test
    void shouldListFilesWithSha256AsDigestAndEtagWhenRevisionIsDefault()
    {
        final ModelScopeApi api = new ModelScopeApi(URI.create(hub.url()), http, null);
        final HubListing listing = api.list(RepoType.MODEL, REPO, api.defaultRevision());
        assertEquals("master", listing.commit());
        assertEquals(List.of("config.json", "sub/model.bin"), listing.files().stream().map(HubFile::path).toList());
        for (final HubFile f : listing.files())
        {
            assertTrue(f.lfsSha256().matches("[0-9a-f]{64}"));
            assertEquals(f.lfsSha256(), f.etag());
            assertEquals(commit, f.commit());
            assertTrue(f.taskId().contentAddressed());
        }
    }

    @Test
    void shouldGiveFileUrlsThatServeTheBytes() throws Exception
    {
        final ModelScopeApi api = new ModelScopeApi(URI.create(hub.url()), http, null);
        final HubFile f = api.list(RepoType.MODEL, REPO, "master").files().get(1);
        final URI url = api.downloadUrl(f);
        assertEquals(hub.url() + "/api/v1/models/qwen/tiny/repo?Revision=" + commit + "&FilePath=sub%2Fmodel.bin",
            url.toString());
        assertArrayEquals(weights, http.send(HttpRequest.newBuilder(url).build(),
            HttpResponse.BodyHandlers.ofByteArray()).body());
    }

    @Test
    void shouldFailNotFoundWhenModelOrRevisionIsUnknown()
    {
        final ModelScopeApi api = new ModelScopeApi(URI.create(hub.url()), http, null);
        assertEquals(ErrorCode.ORIGIN_NOT_FOUND, assertThrows(StarlingException.class,
            () -> api.list(RepoType.MODEL, "qwen/none", "master")).code());
        assertEquals(ErrorCode.ORIGIN_NOT_FOUND, assertThrows(StarlingException.class,
            () -> api.list(RepoType.MODEL, REPO, "v9")).code());
    }

    @Test
    void shouldFailDeniedWhenGatedWithoutTokenAndRefuseUnsafePaths()
    {
        hub.gate(REPO, "ms_token");
        assertEquals(ErrorCode.ORIGIN_DENIED, assertThrows(StarlingException.class,
            () -> new ModelScopeApi(URI.create(hub.url()), http, null).list(RepoType.MODEL, REPO, "master")).code());
        final ModelScopeApi withToken = new ModelScopeApi(URI.create(hub.url()), http, "ms_token");
        assertEquals(2, withToken.list(RepoType.MODEL, REPO, "master").files().size());
        hub.injectListedPath(REPO, "/etc/passwd");
        assertEquals(ErrorCode.BAD_TARGET, assertThrows(StarlingException.class,
            () -> withToken.list(RepoType.MODEL, REPO, "master")).code());
    }

    @Test
    void shouldRefuseDatasetsWhenTypeIsNotModel()
    {
        assertEquals(ErrorCode.UNSUPPORTED_SCHEME, assertThrows(StarlingException.class,
            () -> new ModelScopeApi(URI.create(hub.url()), http, null).list(RepoType.DATASET, REPO, "master")).code());
    }
}
