package dev.starling.dataplane.source;

import java.net.URI;

/**
 * What a probe learned about an artifact at its origin. Immutable.
 *
 * @param contentLengthBytes length, or -1 when the origin does not say.
 * @param rangesSupported    whether the origin answers byte ranges with 206.
 * @param etag               the origin's ETag, or null.
 * @param finalUrl           where the content was found after redirects.
 */
public record SourceMetadata(long contentLengthBytes, boolean rangesSupported, String etag, URI finalUrl)
{
}
