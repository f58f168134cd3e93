package dev.starling.dataplane.source;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * What to fetch from an origin and with which request headers (the caller's Authorization, for instance).
 * Immutable.
 *
 * @param url          absolute URL.
 * @param headers      request headers passed to the origin as they are; dropped on a redirect to another host.
 * @param expectedEtag the ETag the content had when the task started, or null: a response with another ETag
 *                     fails with {@link dev.starling.dataplane.error.ErrorCode#CONTENT_CHANGED}.
 */
public record SourceRequest(URI url, List<Map.Entry<String, String>> headers, String expectedEtag)
{
    /**
     * @param url          absolute URL.
     * @param headers      request headers.
     * @param expectedEtag expected ETag or null.
     */
    public SourceRequest
    {
        headers = List.copyOf(headers);
    }

    /**
     * @param etag the ETag responses must carry (when they carry one).
     * @return a copy expecting that ETag.
     */
    public SourceRequest expectingEtag(final String etag)
    {
        return new SourceRequest(url, headers, etag);
    }

    /**
     * @param url absolute URL.
     * @return a request without extra headers.
     */
    public static SourceRequest of(final URI url)
    {
        return new SourceRequest(url, List.of(), null);
    }
}
