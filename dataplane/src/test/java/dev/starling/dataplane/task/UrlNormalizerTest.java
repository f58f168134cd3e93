package dev.starling.dataplane.task;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UrlNormalizerTest
{
    @Test
    void shouldLeaveAnAlreadyNormalUrlAlone()
    {
        assertEquals("https://example.com/a/b.bin?a=1&b=2",
            UrlNormalizer.normalize("https://example.com/a/b.bin?a=1&b=2"));
    }

    @Test
    void shouldLowercaseSchemeAndHostButNotPath()
    {
        assertEquals("https://example.com/Path/File.BIN",
            UrlNormalizer.normalize("HTTPS://Example.COM/Path/File.BIN"));
    }

    @Test
    void shouldDropDefaultPortsAndKeepOthers()
    {
        assertEquals("http://example.com/x", UrlNormalizer.normalize("http://example.com:80/x"));
        assertEquals("https://example.com/x", UrlNormalizer.normalize("https://example.com:443/x"));
        assertEquals("http://example.com:443/x", UrlNormalizer.normalize("http://example.com:443/x"));
        assertEquals("https://example.com:8443/x", UrlNormalizer.normalize("https://example.com:8443/x"));
    }

    @Test
    void shouldDropFragmentAndUserInfo()
    {
        assertEquals("https://example.com/x", UrlNormalizer.normalize("https://alice:secret@example.com/x#part-2"));
    }

    @Test
    void shouldRemoveDotSegments()
    {
        assertEquals("https://example.com/a/c", UrlNormalizer.normalize("https://example.com/a/./b/../c"));
        assertEquals("https://example.com/a/b/", UrlNormalizer.normalize("https://example.com/a/b/./"));
    }

    @Test
    void shouldRemoveDotSegmentsThatClimbAboveTheRoot()
    {
        // RFC 3986 5.2.4: "/../a" resolves to "/a"; HTTP clients send "/a" for both.
        assertEquals("https://example.com/a", UrlNormalizer.normalize("https://example.com/../a"));
    }

    @Test
    void shouldGiveEmptyPathAsSlash()
    {
        assertEquals("https://example.com/", UrlNormalizer.normalize("https://example.com"));
        assertEquals("https://example.com/", UrlNormalizer.normalize("https://example.com?"));
    }

    @Test
    void shouldSortRemainingQueryParameters()
    {
        assertEquals("https://example.com/x?a=1&b=2&c=3", UrlNormalizer.normalize("https://example.com/x?c=3&a=1&b=2"));
    }

    @Test
    void shouldDropEmptyQueryParameters()
    {
        assertEquals("https://example.com/x?a=1&b=2", UrlNormalizer.normalize("https://example.com/x?&b=2&&a=1&"));
    }

    @Test
    void shouldDropAwsSignedUrlParameters()
    {
        final String signed = "https://bucket.s3.amazonaws.com/model.bin?versionId=7" +
            "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20240101%2Fus-east-1%2Fs3%2Faws4_request" +
            "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host" +
            "&X-Amz-Security-Token=tok&X-Amz-Signature=abcdef";

        assertEquals("https://bucket.s3.amazonaws.com/model.bin?versionId=7", UrlNormalizer.normalize(signed));
    }

    @Test
    void shouldDropGcsSignedUrlParameters()
    {
        final String signed = "https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256" +
            "&X-Goog-Credential=x&X-Goog-Date=d&X-Goog-Expires=60&X-Goog-SignedHeaders=host&X-Goog-Signature=s";

        assertEquals("https://storage.googleapis.com/b/o", UrlNormalizer.normalize(signed));
    }

    @Test
    void shouldDropCloudFrontSignedUrlParameters()
    {
        assertEquals("https://d1.cloudfront.net/f?keep=1", UrlNormalizer.normalize(
            "https://d1.cloudfront.net/f?Expires=1700000000&Signature=abc~def&Key-Pair-Id=K2&Policy=eyJ&keep=1"));
    }

    @Test
    void shouldDropContainerdNamespaceParameter()
    {
        assertEquals("https://mirror.example.com/v2/library/alpine/manifests/3.19",
            UrlNormalizer.normalize("https://mirror.example.com/v2/library/alpine/manifests/3.19?ns=docker.io"));
    }

    @Test
    void shouldGiveTheSameFormWhenOnlySignatureDiffers()
    {
        final String a = UrlNormalizer.normalize("https://h/o?X-Amz-Date=1&X-Amz-Signature=aa&v=1");
        final String b = UrlNormalizer.normalize("https://h/o?v=1&X-Amz-Signature=bb&X-Amz-Date=2");

        assertEquals(a, b);
    }

    @ParameterizedTest
    @ValueSource(strings = {"X-Amz-Signature", "x-amz-date", "X-GOOG-SIGNATURE", "Expires", "expires", "Signature",
        "Key-Pair-Id", "key-pair-id", "Policy", "ns"})
    void shouldFilterSignedUrlParameterNamesInAnyCase(final String name)
    {
        assertTrue(UrlNormalizer.isFiltered(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"versionId", "v", "X-Amzn-Trace", "nsfoo", "policyId", "signatures", "response-expires"})
    void shouldKeepOtherParameterNames(final String name)
    {
        assertFalse(UrlNormalizer.isFiltered(name));
    }

    @Test
    void shouldNormaliseUserInfoAndDefaultPortOfHostWithUnderscore()
    {
        // Docker Compose service names ("my_registry") are not RFC 952 host names, so java.net.URI parses the
        // authority as registry-based and getHost() is null.
        assertEquals("http://my_registry/v2/x", UrlNormalizer.normalize("http://bob:pw@My_Registry:80/v2/x"));
    }

    @Test
    void shouldRejectRelativeOpaqueAndMalformedUrls()
    {
        assertThrows(IllegalArgumentException.class, () -> UrlNormalizer.normalize("/v2/x"));
        assertThrows(IllegalArgumentException.class, () -> UrlNormalizer.normalize("mailto:a@example.com"));
        assertThrows(IllegalArgumentException.class, () -> UrlNormalizer.normalize("https://example.com/a b"));
    }
}
