package dev.starling.modelproxy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HubRouteTest
{
    @Test
    void shouldParseModelFileUrl()
    {
        final HubRoute r = HubRoute.parse("/org/model/resolve/main/sub%20dir/model-00001.safetensors");
        assertEquals(HubRoute.Kind.RESOLVE, r.kind());
        assertEquals(RepoType.MODEL, r.type());
        assertEquals("org/model", r.repoId());
        assertEquals("main", r.revision());
        assertEquals("sub dir/model-00001.safetensors", r.path());
    }

    @Test
    void shouldParseDatasetFileUrlAndEncodedRevision()
    {
        final HubRoute r = HubRoute.parse("/datasets/org/data/resolve/refs%2Fpr%2F3/train.parquet");
        assertEquals(HubRoute.Kind.RESOLVE, r.kind());
        assertEquals(RepoType.DATASET, r.type());
        assertEquals("org/data", r.repoId());
        assertEquals("refs/pr/3", r.revision());
        assertEquals("train.parquet", r.path());
    }

    @Test
    void shouldParseLegacyRepoWithoutOrganisation()
    {
        final HubRoute r = HubRoute.parse("/gpt2/resolve/main/config.json");
        assertEquals(HubRoute.Kind.RESOLVE, r.kind());
        assertEquals("gpt2", r.repoId());
    }

    @Test
    void shouldPassApiAndOtherPathsThrough()
    {
        assertEquals(HubRoute.Kind.API, HubRoute.parse("/api/models/org/model/revision/main").kind());
        assertEquals(HubRoute.Kind.API, HubRoute.parse("/api/models/org/model/tree/main").kind());
        assertEquals(HubRoute.Kind.OTHER, HubRoute.parse("/org/model/raw/main/README.md").kind());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/org/model/resolve/main/../../etc/passwd",
        "/org/model/resolve/main/%2e%2e/secret",
        "/org/model/resolve/main/a%2F..%2Fb",
        "/org/model/resolve/main/%252e%252e/x",
        "/org/model/resolve/main/a%5C..%5Cb",
        "/org/model/resolve/main/a%00b",
        "/org/model/resolve/main//etc/passwd",
        "/org/model/resolve/main/",
        "/org/model/resolve/..%2F..%2Fmain/config.json",
        "/../model/resolve/main/config.json",
        "/org/mo%2Fdel/resolve/main/config.json",
        "/a/b/c/resolve/main/config.json",
        "/org/model/resolve/main",
        "/api/../org/model/resolve/main/x",
        "/org/model/resolve/main/bad%zz"})
    void shouldRejectTraversalAndMalformedPaths(final String path)
    {
        assertEquals(HubRoute.Kind.INVALID, HubRoute.parse(path).kind(), path);
    }
}
