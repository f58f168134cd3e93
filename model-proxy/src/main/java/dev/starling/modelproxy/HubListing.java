package dev.starling.modelproxy;

import java.util.List;

/**
 * A repository's files at one commit, as a hub listed them. Immutable.
 *
 * @param type     repository type.
 * @param repoId   {@code ORG/NAME}.
 * @param revision the revision the caller asked for (a branch, tag or commit).
 * @param commit   what it resolved to: the commit sha on Hugging Face; on ModelScope, whose listing names no
 *                 repository commit, the revision as asked.
 * @param files    every file, sorted by path.
 */
public record HubListing(RepoType type, String repoId, String revision, String commit, List<HubFile> files)
{
    public HubListing
    {
        files = List.copyOf(files);
    }

    /**
     * @return the total size of the files, counting unknown sizes as 0.
     */
    public long totalBytes()
    {
        long total = 0;
        for (final HubFile f : files)
        {
            total += Math.max(0, f.sizeBytes());
        }
        return total;
    }
}
