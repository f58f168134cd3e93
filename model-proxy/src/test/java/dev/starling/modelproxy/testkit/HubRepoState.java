package dev.starling.modelproxy.testkit;

import dev.starling.modelproxy.RepoType;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What {@link HubFixture} holds for one repository: its commits (each a sorted map of path to file), the revision
 * names pointing at them, an optional gate token, and entries injected into its listings. Thread-safe: maps are
 * concurrent and each commit's snapshot is immutable once added.
 */
final class HubRepoState
{
    /** The git LFS pointer file format, whose blob id is the tree {@code oid} of an LFS file. */
    private static final String LFS_POINTER = "version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n";

    final RepoType type;
    final String repoId;
    final Map<String, String> revisions = new ConcurrentHashMap<>();
    final Map<String, NavigableMap<String, Entry>> commits = new ConcurrentHashMap<>();
    final List<String> injectedPaths = new CopyOnWriteArrayList<>();
    final Map<String, byte[]> tampered = new ConcurrentHashMap<>();
    volatile String gateToken;

    HubRepoState(final RepoType type, final String repoId)
    {
        this.type = type;
        this.repoId = repoId;
    }

    /**
     * One file at one commit. Immutable.
     *
     * @param path     repository path.
     * @param bytes    content (the test's array; never modified).
     * @param lfs      whether it is stored in LFS (served through the CDN).
     * @param gitOid   git blob sha1 of the content, or of the LFS pointer for LFS files.
     * @param sha256   sha256 of the content.
     * @param pointerSize size of the LFS pointer file.
     */
    record Entry(String path, byte[] bytes, boolean lfs, String gitOid, String sha256, int pointerSize)
    {
        static Entry of(final String path, final byte[] bytes, final boolean lfs)
        {
            final String sha256 = HubContent.hex("SHA-256", bytes);
            if (!lfs)
            {
                return new Entry(path, bytes, false, HubContent.gitBlobSha1(bytes), sha256, 0);
            }
            final byte[] pointer = String.format(LFS_POINTER, sha256, bytes.length).getBytes(StandardCharsets.UTF_8);
            return new Entry(path, bytes, true, HubContent.gitBlobSha1(pointer), sha256, pointer.length);
        }

        /**
         * @return the etag the hub gives: the sha256 for LFS files, else the git blob id.
         */
        String etag()
        {
            return lfs ? sha256 : gitOid;
        }
    }

    /**
     * Adds a commit holding {@code files} and points {@code revision} at it.
     *
     * @return the commit sha: sha1 over the repository, revision and each file's path, blob id and LFS flag, so the
     *     same call gives the same sha in every run.
     */
    String addCommit(final String revision, final Map<String, byte[]> files, final Set<String> lfsPaths)
    {
        final NavigableMap<String, Entry> snapshot = new TreeMap<>();
        final StringBuilder text = new StringBuilder("commit\0").append(type.apiSegment()).append('\0')
            .append(repoId).append('\0').append(revision).append('\0');
        for (final Map.Entry<String, byte[]> file : new TreeMap<>(files).entrySet())
        {
            final Entry entry = Entry.of(file.getKey(), file.getValue(), lfsPaths.contains(file.getKey()));
            snapshot.put(entry.path(), entry);
            text.append(entry.path()).append('\0').append(entry.gitOid()).append('\0').append(entry.lfs()).append('\n');
        }
        final String commit = HubContent.hex("SHA-1", text.toString().getBytes(StandardCharsets.UTF_8));
        commits.put(commit, snapshot);
        revisions.put(revision, commit);
        return commit;
    }

    /**
     * @param revision a revision name or a commit sha.
     * @return the commit, or null when neither.
     */
    String resolve(final String revision)
    {
        if (commits.containsKey(revision))
        {
            return revision;
        }
        return revisions.get(revision);
    }
}
