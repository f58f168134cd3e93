package dev.starling.modelproxy;

import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.TaskId;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * One file of a hub repository at one commit, as the hub describes it. Immutable.
 *
 * @param type       repository type.
 * @param repoId     {@code ORG/NAME}.
 * @param commit     the commit sha the file was resolved at.
 * @param path       the file's path in the repository ({@link HubNames#isSafePath}).
 * @param sizeBytes  the file's size (the LFS object's size for LFS files), or -1 when unknown.
 * @param etag       the hub's etag without quotes: the LFS sha256 for LFS files, else the git blob id; the name of
 *                   the file's blob in the Hugging Face cache.
 * @param lfsSha256  the LFS object's sha256 (64 lowercase hex), or null when the file is not in LFS.
 */
public record HubFile(RepoType type, String repoId, String commit, String path, long sizeBytes, String etag,
    String lfsSha256)
{
    /**
     * The task that holds this file's bytes: named by the LFS sha256 when there is one (the same weights in two
     * repositories are one task, verified against it), else by repository, commit and path, whichever hub served it.
     *
     * @return the task id.
     */
    public TaskId taskId()
    {
        if (lfsSha256 != null)
        {
            return TaskId.ofDigest(expectedDigest());
        }
        try
        {
            final URI name = new URI("hub", type.apiSegment(), "/" + repoId + "/" + commit + "/" + path, null);
            return TaskId.ofUrl(name.toASCIIString(), null, "hub");
        }
        catch (final URISyntaxException ex)
        {
            throw new IllegalArgumentException("file name cannot form a task id: " + path, ex);
        }
    }

    /**
     * @return the digest the whole file must match, or null when the hub gives none (non-LFS files).
     */
    public Digest expectedDigest()
    {
        return lfsSha256 == null ? null : Digest.parse("sha256:" + lfsSha256);
    }
}
