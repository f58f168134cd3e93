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
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HubApiTest
{
    private static final String REPO = "org/model";

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
    private final byte[] weights = new byte[5000];
    private final byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
    private HubFixture hub;
    private String commit;

    @BeforeEach
    void setUp()
    {
        hub = HubFixture.start();
        commit = hub.addRepo(RepoType.MODEL, REPO, "main", Map.of("config.json", config, "a/b/model.bin", weights,
            "a/tokenizer.json", config, "a b/c.txt", config, "z.txt", config), Set.of("a/b/model.bin"));
    }

    @AfterEach
    void tearDown()
    {
        hub.close();
    }

    @Test
    void shouldListAllFilesAcrossPagesAtTheResolvedCommit() throws Exception
    {
        final HubListing listing = api(null).list(RepoType.MODEL, REPO, "main");
        assertEquals(commit, listing.commit());
        assertEquals(List.of("a b/c.txt", "a/b/model.bin", "a/tokenizer.json", "config.json", "z.txt"),
            listing.files().stream().map(HubFile::path).toList());
        assertEquals(weights.length + 4L * config.length, listing.totalBytes());
        assertTrue(hub.requestLog().stream().anyMatch(l -> l.contains("/tree/" + commit) && l.contains("cursor=")),
            "paged at the commit: " + hub.requestLog());
        final HubFile lfs = listing.files().get(1);
        final String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(weights));
        assertEquals(sha256, lfs.lfsSha256());
        assertEquals(sha256, lfs.etag());
        assertEquals(weights.length, lfs.sizeBytes());
        final HubFile plain = listing.files().get(3);
        assertNull(plain.lfsSha256());
        assertTrue(plain.etag().matches("[0-9a-f]{40}"));
    }

    @Test
    void shouldGiveResolveUrlsThatServeTheBytesWhenPathsNeedEncoding() throws Exception
    {
        final HubApi api = api(null);
        final HubListing listing = api.list(RepoType.MODEL, REPO, "main");
        final HubFile spaced = listing.files().get(0);
        final URI url = api.downloadUrl(spaced);
        assertEquals(hub.url() + "/org/model/resolve/" + commit + "/a%20b/c.txt", url.toString());
        assertArrayEquals(config, http.send(HttpRequest.newBuilder(url).build(),
            HttpResponse.BodyHandlers.ofByteArray()).body());
        assertArrayEquals(weights, http.send(HttpRequest.newBuilder(api.downloadUrl(listing.files().get(1))).build(),
            HttpResponse.BodyHandlers.ofByteArray()).body());
    }

    @Test
    void shouldUseDatasetPrefixesWhenTypeIsDataset()
    {
        final String dsCommit = hub.addRepo(RepoType.DATASET, "org/data", "v1", Map.of("train.csv", config), Set.of());
        final HubApi api = api(null);
        final HubListing listing = api.list(RepoType.DATASET, "org/data", "v1");
        assertEquals(dsCommit, listing.commit());
        assertEquals(hub.url() + "/datasets/org/data/resolve/" + dsCommit + "/train.csv",
            api.downloadUrl(listing.files().get(0)).toString());
        final StarlingException ex = assertThrows(StarlingException.class,
            () -> api.list(RepoType.MODEL, "org/data", "v1"));
        assertEquals(ErrorCode.ORIGIN_NOT_FOUND, ex.code());
    }

    @Test
    void shouldFailWithNotFoundNamingTheRevisionWhenRevisionIsUnknown()
    {
        final StarlingException ex = assertThrows(StarlingException.class,
            () -> api(null).list(RepoType.MODEL, REPO, "nope"));
        assertEquals(ErrorCode.ORIGIN_NOT_FOUND, ex.code());
        assertTrue(ex.getMessage().contains("revision 'nope'") && ex.getMessage().contains(REPO), ex.getMessage());
    }

    @Test
    void shouldFailDeniedWhenGatedRepoHasNoOrWrongTokenAndListWithTheRightOne()
    {
        hub.gate(REPO, "hf_secret");
        final StarlingException none = assertThrows(StarlingException.class,
            () -> api(null).list(RepoType.MODEL, REPO, "main"));
        assertEquals(ErrorCode.ORIGIN_DENIED, none.code());
        assertTrue(none.getMessage().contains("401 for gated repo org/model: pass --token"), none.getMessage());
        final StarlingException wrong = assertThrows(StarlingException.class,
            () -> api("bad").list(RepoType.MODEL, REPO, "main"));
        assertEquals(ErrorCode.ORIGIN_DENIED, wrong.code());
        assertEquals(5, api("hf_secret").list(RepoType.MODEL, REPO, "main").files().size());
    }

    @Test
    void shouldRefuseListingWhenItNamesAnUnsafePath()
    {
        hub.injectListedPath(REPO, "../escape.txt");
        final StarlingException ex = assertThrows(StarlingException.class,
            () -> api(null).list(RepoType.MODEL, REPO, "main"));
        assertEquals(ErrorCode.BAD_TARGET, ex.code());
        assertTrue(ex.getMessage().contains("../escape.txt"), ex.getMessage());
    }

    @Test
    void shouldFailUnreachableWhenNothingListens()
    {
        final String url = hub.url();
        hub.close();
        final StarlingException ex = assertThrows(StarlingException.class,
            () -> new HubApi(URI.create(url), http, null).list(RepoType.MODEL, REPO, "main"));
        assertEquals(ErrorCode.ORIGIN_UNREACHABLE, ex.code());
    }

    @Test
    void shouldRejectBadRepoIdBeforeAskingTheHub()
    {
        final StarlingException ex = assertThrows(StarlingException.class,
            () -> api(null).list(RepoType.MODEL, "../etc", "main"));
        assertEquals(ErrorCode.BAD_URL, ex.code());
        assertTrue(hub.requestLog().isEmpty());
    }

    private HubApi api(final String token)
    {
        return new HubApi(URI.create(hub.url() + "/"), http, token);
    }
}
