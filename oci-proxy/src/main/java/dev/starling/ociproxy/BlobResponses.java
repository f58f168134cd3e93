package dev.starling.ociproxy;

import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.serve.ByteRange;
import dev.starling.dataplane.serve.TaskStream;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * How a streamed blob's responses look to a registry client: the digest headers a registry sends, and
 * registry-style error bodies. Immutable.
 */
final class BlobResponses implements TaskStream.Responses
{
    private final String digest;

    /**
     * @param digest the blob's digest, {@code sha256:<hex>}.
     */
    BlobResponses(final String digest)
    {
        this.digest = digest;
    }

    @Override
    public void decorate(final HttpHeaders headers)
    {
        headers.set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
        headers.set("Docker-Content-Digest", digest);
        headers.set(HttpHeaderNames.ETAG, "\"" + digest + "\"");
        headers.set("Docker-Distribution-API-Version", "registry/2.0");
    }

    @Override
    public FullHttpResponse failure(final StarlingException failure)
    {
        switch (failure.code())
        {
            case ORIGIN_NOT_FOUND:
                return RegistryErrors.response(HttpResponseStatus.NOT_FOUND, "BLOB_UNKNOWN", failure.getMessage());
            case ORIGIN_DENIED:
                return RegistryErrors.response(HttpResponseStatus.UNAUTHORIZED, "UNAUTHORIZED", failure.getMessage());
            default:
                return RegistryErrors.response(HttpResponseStatus.BAD_GATEWAY, "UNAVAILABLE",
                    "the upstream registry could not be read: " + failure.describe());
        }
    }

    @Override
    public FullHttpResponse rangeNotSatisfiable(final ByteRange range, final long lengthBytes)
    {
        return RegistryErrors.response(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "RANGE_INVALID",
            "range " + range + " is outside the blob's " + lengthBytes + " bytes");
    }
}
