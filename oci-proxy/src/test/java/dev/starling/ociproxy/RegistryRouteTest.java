package dev.starling.ociproxy;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryRouteTest
{
    private static final String SHA = "sha256:" + "ab".repeat(32);

    @Test
    void shouldRecogniseTheBaseManifestsAndBlobs()
    {
        assertEquals(RegistryRoute.Kind.BASE, RegistryRoute.parse("/v2/").kind());
        final RegistryRoute manifest = RegistryRoute.parse("/v2/library/alpine/manifests/3.19");
        assertEquals(RegistryRoute.Kind.MANIFEST, manifest.kind());
        assertEquals("library/alpine", manifest.name());
        assertEquals("3.19", manifest.reference());
        assertEquals(RegistryRoute.Kind.MANIFEST, RegistryRoute.parse("/v2/a/manifests/" + SHA).kind());
        final RegistryRoute blob = RegistryRoute.parse("/v2/team/app-x/blobs/" + SHA);
        assertEquals(RegistryRoute.Kind.BLOB, blob.kind());
        assertTrue(blob.isTaskBlob());
    }

    @Test
    void shouldPassThroughOtherApiPathsAndOtherDigestAlgorithms()
    {
        assertEquals(RegistryRoute.Kind.OTHER, RegistryRoute.parse("/v2/a/b/tags/list").kind());
        assertEquals(RegistryRoute.Kind.OTHER, RegistryRoute.parse("/v2/_catalog").kind());
        final RegistryRoute sha512 = RegistryRoute.parse("/v2/a/blobs/sha512:" + "cd".repeat(64));
        assertEquals(RegistryRoute.Kind.BLOB, sha512.kind());
        assertFalse(sha512.isTaskBlob());
    }

    @Test
    void shouldRejectMalformedNamesDigestsAndReferences()
    {
        assertEquals("NAME_INVALID", RegistryRoute.parse("/v2/Upper/blobs/" + SHA).reference());
        assertEquals("NAME_INVALID", RegistryRoute.parse("/v2/a..b/manifests/x").reference());
        assertEquals("DIGEST_INVALID", RegistryRoute.parse("/v2/a/blobs/sha256:abc").reference());
        assertEquals("DIGEST_INVALID", RegistryRoute.parse("/v2/a/blobs/sha256:" + "AB".repeat(32)).reference());
        assertEquals("MANIFEST_INVALID", RegistryRoute.parse("/v2/a/manifests/-bad").reference());
        assertEquals(RegistryRoute.Kind.INVALID, RegistryRoute.parse("/v1/a").kind());
        assertEquals(RegistryRoute.Kind.INVALID, RegistryRoute.parse("/v2/a/../b/blobs/" + SHA).kind());
        assertEquals(RegistryRoute.Kind.INVALID, RegistryRoute.parse("/v2/" + "a".repeat(300) + "/blobs/" + SHA).kind());
    }
}
