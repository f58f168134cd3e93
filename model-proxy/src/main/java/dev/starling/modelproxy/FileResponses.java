package dev.starling.modelproxy;

import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.serve.ByteRange;
import dev.starling.dataplane.serve.TaskStream;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * How a model file's responses look to a hub client: the headers {@code huggingface_hub} and
 * {@code @huggingface/hub} read ({@code ETag}, {@code X-Repo-Commit}, and for LFS files {@code X-Linked-Etag} and
 * {@code X-Linked-Size}), and never a Xet header, so clients download plainly from the proxy. Immutable.
 */
final class FileResponses implements TaskStream.Responses
{
    private final HubFile file;

    FileResponses(final HubFile file)
    {
        this.file = file;
    }

    @Override
    public void decorate(final HttpHeaders headers)
    {
        headers.set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
        headers.set(HttpHeaderNames.ETAG, "\"" + file.etag() + "\"");
        headers.set("X-Repo-Commit", file.commit());
        if (file.lfsSha256() != null)
        {
            headers.set("X-Linked-Etag", "\"" + file.lfsSha256() + "\"");
            headers.set("X-Linked-Size", file.sizeBytes());
        }
    }

    @Override
    public FullHttpResponse failure(final StarlingException failure)
    {
        return HubErrors.forFailure(failure, false);
    }

    @Override
    public FullHttpResponse rangeNotSatisfiable(final ByteRange range, final long lengthBytes)
    {
        return HubErrors.response(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "RangeNotSatisfiable",
            "range " + range + " is outside the file's " + lengthBytes + " bytes", false);
    }
}
