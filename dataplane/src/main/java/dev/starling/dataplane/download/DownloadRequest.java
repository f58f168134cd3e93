package dev.starling.dataplane.download;

import dev.starling.dataplane.source.SourceRequest;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.TaskId;

/**
 * What to download. Immutable.
 *
 * @param source         origin URL and request headers.
 * @param taskId         the task id (see {@link TaskId}).
 * @param expectedDigest sha256 the content must have, or null; a content-addressed task id implies it.
 */
public record DownloadRequest(SourceRequest source, TaskId taskId, Digest expectedDigest)
{
    /**
     * @return the digest to verify: the expected one, else the task id's when content-addressed, else null.
     */
    public Digest digestToVerify()
    {
        return expectedDigest != null ? expectedDigest : taskId.digest();
    }
}
