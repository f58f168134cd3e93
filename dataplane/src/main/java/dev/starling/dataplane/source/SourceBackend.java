package dev.starling.dataplane.source;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Fetches artifacts from their origin ("back to source"). One backend per family of URL schemes, chosen by
 * {@link SourceBackends}; {@code http}/{@code https} today, {@code hf://}, {@code modelscope://} and registries
 * later.
 */
public interface SourceBackend extends AutoCloseable
{
    /**
     * @return lower-case URL schemes this backend serves.
     */
    List<String> schemes();

    /**
     * Learns the content length, range support and validators of an artifact, following redirects.
     *
     * @param request what to probe.
     * @return completes with the metadata, or exceptionally with a
     *         {@link dev.starling.dataplane.error.StarlingException}.
     */
    CompletableFuture<SourceMetadata> probe(SourceRequest request);

    /**
     * Fetches bytes {@code [offset, offset + length)} and streams them to the sink. With {@code length < 0} the
     * whole body is fetched in one plain request (origins without range support); {@code offset} must then be 0.
     *
     * @param request what to fetch.
     * @param offset  first byte.
     * @param length  bytes to fetch, or -1 for the whole body.
     * @param sink    receives the bytes; caller retains it.
     */
    void fetch(SourceRequest request, long offset, long length, BodySink sink);

    @Override
    void close();
}
