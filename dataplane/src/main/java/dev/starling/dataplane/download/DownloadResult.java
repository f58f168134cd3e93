package dev.starling.dataplane.download;

import dev.starling.dataplane.store.TaskHandle;

/**
 * A finished download: the complete, verified task and what it took.
 *
 * @param handle          the complete task; ownership transfers to the caller, who closes it.
 * @param bytesFromOrigin body bytes received from the origin (more than the content when pieces were retried).
 * @param bytesFromPeers  piece bytes received from peers and verified.
 * @param bytesReused     bytes the store already held.
 * @param durationNs      wall time of the download.
 */
public record DownloadResult(TaskHandle handle, long bytesFromOrigin, long bytesFromPeers, long bytesReused,
    long durationNs)
{
}
