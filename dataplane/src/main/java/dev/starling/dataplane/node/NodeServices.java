package dev.starling.dataplane.node;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.download.DownloadRequest;
import dev.starling.dataplane.download.DownloadResult;
import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.store.PieceStore;

import java.util.concurrent.CompletableFuture;

/**
 * What a front end running inside the daemon (registry mirror, model-hub proxy) may use of its node. Thread-safe.
 */
public interface NodeServices
{
    /**
     * @return the node's concluded settings.
     */
    DataplaneContext context();

    /**
     * @return the node's store, to read pieces of a task while it downloads ({@link PieceStore#openForServing});
     * owned by the node.
     */
    PieceStore store();

    /**
     * @return the node's counters.
     */
    DataplaneMetrics metrics();

    /**
     * Downloads a task on the node's workers: through the swarm when the node has a scheduler, else from the
     * origin. Downloads of one task run one at a time; a second one then finds the task complete.
     *
     * @param request  what to download.
     * @param listener progress, called on the downloading thread.
     * @return completes with the complete task (the caller closes its handle) or with a
     * {@link dev.starling.dataplane.error.StarlingException}.
     */
    CompletableFuture<DownloadResult> fetch(DownloadRequest request, DownloadListener listener);
}
