package dev.starling.dataplane.download;

import dev.starling.dataplane.source.SourceRequest;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.TaskId;

import java.net.InetSocketAddress;

/**
 * What to download. Immutable.
 *
 * @param source         origin URL and request headers.
 * @param taskId         the task id (see {@link TaskId}).
 * @param expectedDigest sha256 the content must have, or null; a content-addressed task id implies it.
 * @param fromPeer       a peer to fetch pieces from before the origin, or null.
 * @param streaming      whether a reader consumes the content in order while it downloads (a front end's
 *                       client): the front of the content is then fetched first in a swarm; otherwise pieces come
 *                       rarest first.
 */
public record DownloadRequest(SourceRequest source, TaskId taskId, Digest expectedDigest, InetSocketAddress fromPeer,
    boolean streaming)
{
    /**
     * A request no reader streams.
     *
     * @param source         origin URL and request headers.
     * @param taskId         the task id.
     * @param expectedDigest sha256 the content must have, or null.
     * @param fromPeer       a peer to fetch pieces from before the origin, or null.
     */
    public DownloadRequest(final SourceRequest source, final TaskId taskId, final Digest expectedDigest,
        final InetSocketAddress fromPeer)
    {
        this(source, taskId, expectedDigest, fromPeer, false);
    }

    /**
     * A request that goes to the origin only.
     *
     * @param source         origin URL and request headers.
     * @param taskId         the task id.
     * @param expectedDigest sha256 the content must have, or null.
     */
    public DownloadRequest(final SourceRequest source, final TaskId taskId, final Digest expectedDigest)
    {
        this(source, taskId, expectedDigest, null, false);
    }

    /**
     * @return the same request, read in order by a streaming client.
     */
    public DownloadRequest streamed()
    {
        return new DownloadRequest(source, taskId, expectedDigest, fromPeer, true);
    }

    /**
     * @return the digest to verify: the expected one, else the task id's when content-addressed, else null.
     */
    public Digest digestToVerify()
    {
        return expectedDigest != null ? expectedDigest : taskId.digest();
    }
}
