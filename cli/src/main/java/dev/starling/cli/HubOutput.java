package dev.starling.cli;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.modelproxy.HubFile;
import dev.starling.modelproxy.HubListing;
import dev.starling.modelproxy.HubNames;
import dev.starling.modelproxy.RepoType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Where {@code starling get hf://…} puts a repository's files: a plain directory with the repository's paths
 * ({@link #plain}), or the Hugging Face cache layout ({@link #hfCache}):
 * <pre>
 * {models|datasets|spaces}--ORG--NAME/
 *   blobs/&lt;etag&gt;                      the file's bytes (placed by the store)
 *   refs/&lt;revision&gt;                   the commit sha, no newline (only when the revision is not the sha)
 *   snapshots/&lt;commit&gt;/&lt;path&gt;        relative symlink to ../../blobs/&lt;etag&gt; (one more ../ per directory)
 * </pre>
 * Every path is checked to stay under the root, also through symlinks already on disk, before anything is written.
 * Writes are atomic (a temporary name renamed over the final one), so a re-run replaces rather than fails. Methods may
 * be called from several download threads at once.
 */
abstract class HubOutput
{
    private static final AtomicLong TMP_SEQUENCE = new AtomicLong();
    private static final Pattern ETAG = Pattern.compile("^[0-9a-f]{40}$|^[0-9a-f]{64}$");

    final Path root;

    private HubOutput(final Path root)
    {
        this.root = root.toAbsolutePath().normalize();
    }

    /**
     * @param dir the target directory (created when missing).
     * @return the plain layout: {@code dir/<path>}.
     */
    static HubOutput plain(final Path dir)
    {
        return new Plain(dir);
    }

    /**
     * @param cacheDir the hub cache directory, e.g. {@code ~/.cache/huggingface/hub} (created when missing).
     * @param type     repository type.
     * @param repoId   {@code ORG/NAME}.
     * @return the Hugging Face cache layout for that repository.
     */
    static HubOutput hfCache(final Path cacheDir, final RepoType type, final String repoId)
    {
        return new HfCache(cacheDir, type, repoId);
    }

    /**
     * Creates the root; call once before {@link #target}.
     */
    void open()
    {
        if (Files.exists(root) && !Files.isDirectory(root))
        {
            throw new StarlingException(ErrorCode.BAD_TARGET, "target " + root + " exists and is not a directory: " +
                "a hub repository is downloaded into a directory");
        }
        createDirectories(root);
    }

    /**
     * @param file a listed file.
     * @return where the store places its bytes; its parent directory exists.
     * @throws StarlingException {@code BAD_TARGET} when the path would land outside the root.
     */
    abstract Path target(HubFile file);

    /**
     * Called once the file's bytes are at {@link #target} and verified.
     */
    abstract void placed(HubFile file);

    /**
     * Called once every file is placed.
     */
    abstract void finish(HubListing listing);

    /**
     * @return what to name in the summary line.
     */
    Path describe()
    {
        return root;
    }

    /** Resolves {@code relative} under {@code base}, refusing anything that leaves the root (symlinks included). */
    final Path inside(final Path base, final String relative)
    {
        if (!HubNames.isSafePath(relative))
        {
            throw escape(relative);
        }
        final Path resolved = base.resolve(relative).normalize();
        if (!resolved.startsWith(root))
        {
            throw escape(relative);
        }
        createDirectories(resolved.getParent());
        try
        {
            if (!resolved.getParent().toRealPath().startsWith(root.toRealPath()))
            {
                throw new StarlingException(ErrorCode.BAD_TARGET, "the directory of " + resolved + " is a symlink " +
                    "out of " + root + ": refusing to write there; remove the link");
            }
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.TARGET_NOT_WRITABLE, "cannot resolve " + resolved.getParent() +
                ": " + ex, ex);
        }
        return resolved;
    }

    private StarlingException escape(final String relative)
    {
        return new StarlingException(ErrorCode.BAD_TARGET, "repository path '" + relative + "' would land outside " +
            root + ": refusing to write it");
    }

    static void createDirectories(final Path dir)
    {
        try
        {
            Files.createDirectories(dir);
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.TARGET_NOT_WRITABLE, "cannot create directory " + dir + ": " + ex, ex);
        }
    }

    static void checkEtag(final HubFile file)
    {
        if (file.etag() == null || !ETAG.matcher(file.etag()).matches())
        {
            throw new StarlingException(ErrorCode.ORIGIN_ERROR, "the hub gave " + file.path() + " no usable etag ('" +
                file.etag() + "'), which names its blob in the cache; use -o DIR instead of --hf-cache");
        }
    }

    /** {@code dir/<path>}. */
    private static final class Plain extends HubOutput
    {
        Plain(final Path dir)
        {
            super(dir);
        }

        @Override
        Path target(final HubFile file)
        {
            return inside(root, file.path());
        }

        @Override
        void placed(final HubFile file)
        {
        }

        @Override
        void finish(final HubListing listing)
        {
        }
    }

    /** The Hugging Face cache layout of one repository. */
    private static final class HfCache extends HubOutput
    {
        private final Path repoDir;

        HfCache(final Path cacheDir, final RepoType type, final String repoId)
        {
            super(cacheDir);
            this.repoDir = root.resolve(type.apiSegment() + "--" + repoId.replace("/", "--"));
        }

        @Override
        Path describe()
        {
            return repoDir;
        }

        @Override
        Path target(final HubFile file)
        {
            checkEtag(file);
            inside(repoDir, "snapshots/" + file.commit() + "/" + file.path());
            return inside(repoDir, "blobs/" + file.etag());
        }

        @Override
        void placed(final HubFile file)
        {
            final Path blob = repoDir.resolve("blobs").resolve(file.etag());
            final Path link = inside(repoDir, "snapshots/" + file.commit() + "/" + file.path());
            final Path relative = link.getParent().relativize(blob);
            try
            {
                if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(relative))
                {
                    return;
                }
                final Path tmp = link.resolveSibling(".starling-" + link.getFileName() + "." + ProcessHandle.current().pid() +
                    "." + TMP_SEQUENCE.incrementAndGet());
                Files.deleteIfExists(tmp);
                Files.createSymbolicLink(tmp, relative);
                move(tmp, link);
            }
            catch (final IOException ex)
            {
                throw new StarlingException(ErrorCode.TARGET_NOT_WRITABLE, "cannot link " + link + " to " + blob +
                    ": " + ex, ex);
            }
        }

        @Override
        void finish(final HubListing listing)
        {
            if (listing.revision().equals(listing.commit()))
            {
                return;
            }
            final Path ref = inside(repoDir, "refs/" + listing.revision());
            try
            {
                final Path tmp = ref.resolveSibling(".starling-" + ref.getFileName() + "." + ProcessHandle.current().pid() + "." +
                    TMP_SEQUENCE.incrementAndGet());
                Files.write(tmp, listing.commit().getBytes(StandardCharsets.US_ASCII));
                move(tmp, ref);
            }
            catch (final IOException ex)
            {
                throw new StarlingException(ErrorCode.TARGET_NOT_WRITABLE, "cannot write " + ref + ": " + ex, ex);
            }
        }

        private static void move(final Path tmp, final Path target) throws IOException
        {
            try
            {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
            }
        }
    }
}
