package dev.starling.cli;

import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.task.TaskId;
import dev.starling.modelproxy.HubClient;
import dev.starling.modelproxy.HubFile;
import dev.starling.modelproxy.HubListing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

/**
 * {@code starling get hf://…} and {@code modelscope://…}: lists the repository at the resolved commit, selects files
 * (the URL's path, {@code --include}, {@code --exclude}), and downloads each selected file as one task, several at a
 * time, through whatever runs single gets (the daemon's control endpoint or an embedded store). A file's task is
 * {@link HubFile#taskId()} and its expected digest {@link HubFile#expectedDigest()}; the token travels only as an
 * origin request header. Files with the same task run one after the other in one worker.
 * <p>
 * Hugging Face files outside LFS have no sha256 to verify against; their bytes are placed under a temporary name
 * beside the target, checked against the git blob id the listing gave, and renamed into place only when they match.
 */
final class HubGet
{
    /**
     * What to fetch and where. Immutable.
     *
     * @param source   the hub URL.
     * @param client   the hub's API client.
     * @param output   plain directory or HF cache layout.
     * @param includes globs a file must match one of (all files when empty).
     * @param excludes globs a file must match none of.
     * @param token    hub token or null.
     * @param parallel files downloaded at once.
     */
    record Options(HubUrl source, HubClient client, HubOutput output, List<String> includes, List<String> excludes,
        String token, int parallel)
    {
    }

    /**
     * What a repository get did, for its summary line. Immutable.
     */
    record Outcome(String source, int files, long lengthBytes, long fromOrigin, long fromPeers, long reused,
        Path target, double seconds)
    {
        String summary()
        {
            return String.format(Locale.ROOT,
                "starling get: %s: %d files, %s (%d bytes) in %.2f s, %s/s; origin %d bytes, peers %d bytes, " +
                "reused %d bytes; into %s",
                source, files, Sizes.human(lengthBytes), lengthBytes, seconds,
                Sizes.human(lengthBytes / Math.max(seconds, 1e-9)), fromOrigin, fromPeers, reused, target);
        }
    }

    private HubGet()
    {
    }

    /**
     * @param options what to fetch.
     * @param getter  runs one single-file get (blocking; called from several threads at once).
     * @param display progress for the whole repository.
     * @return the outcome once every selected file is placed.
     */
    static Outcome run(final Options options, final BiFunction<GetRequest, DownloadListener, GetOutcome> getter,
        final DownloadListener display)
    {
        if (options.parallel() < 1)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "--parallel must be at least 1: " + options.parallel());
        }
        final List<PathMatcher> includes = matchers(options.includes(), "--include");
        final List<PathMatcher> excludes = matchers(options.excludes(), "--exclude");
        final long startNs = System.nanoTime();
        final HubUrl source = options.source();
        final HubListing listing = options.client().list(source.type(), source.repoId(), source.revision());
        final List<HubFile> selected = select(listing, source.path(), includes, excludes);
        options.output().open();

        // Group by task: two paths with the same LFS object are one download, the second only placed.
        final Map<TaskId, List<HubFile>> byTask = new LinkedHashMap<>();
        long total = 0;
        for (final HubFile f : selected)
        {
            options.output().target(f); // refuse an escaping path before anything downloads
            byTask.computeIfAbsent(f.taskId(), k -> new ArrayList<>()).add(f);
            total += Math.max(0, f.sizeBytes());
        }
        final RepoProgress progress = new RepoProgress(display, total);
        final List<String> headers = options.token() == null ? List.of() :
            List.of("Authorization: Bearer " + options.token());
        final ExecutorService pool = Executors.newFixedThreadPool(Math.min(options.parallel(),
            Math.max(1, byTask.size())), r ->
        {
            final Thread t = new Thread(r, "starling-hub-get");
            t.setDaemon(true);
            return t;
        });
        final AtomicBoolean failed = new AtomicBoolean();
        final List<Future<List<GetOutcome>>> results = new ArrayList<>();
        try
        {
            for (final List<HubFile> group : byTask.values())
            {
                results.add(pool.submit(() ->
                {
                    final List<GetOutcome> outcomes = new ArrayList<>();
                    for (final HubFile f : group)
                    {
                        if (failed.get())
                        {
                            break;
                        }
                        try
                        {
                            outcomes.add(fetch(options, f, headers, getter, progress.forFile()));
                        }
                        catch (final RuntimeException ex)
                        {
                            failed.set(true);
                            throw ex;
                        }
                    }
                    return outcomes;
                }));
            }
            long fromOrigin = 0;
            long fromPeers = 0;
            long reused = 0;
            RuntimeException firstFailure = null;
            for (final Future<List<GetOutcome>> result : results)
            {
                try
                {
                    for (final GetOutcome o : result.get())
                    {
                        fromOrigin += o.fromOrigin();
                        fromPeers += o.fromPeers();
                        reused += o.reused();
                    }
                }
                catch (final ExecutionException ex)
                {
                    if (firstFailure == null)
                    {
                        firstFailure = ex.getCause() instanceof RuntimeException re ? re :
                            new StarlingException(ErrorCode.INTERNAL, ex.getCause().toString(), ex.getCause());
                    }
                }
            }
            if (firstFailure != null)
            {
                throw firstFailure;
            }
            options.output().finish(listing);
            return new Outcome(source.describe(listing.commit()), selected.size(), total, fromOrigin, fromPeers, reused,
                options.output().describe(), (System.nanoTime() - startNs) / 1e9);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new StarlingException(ErrorCode.CANCELLED, "interrupted while downloading " + source.repoId());
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    private static GetOutcome fetch(final Options options, final HubFile file, final List<String> headers,
        final BiFunction<GetRequest, DownloadListener, GetOutcome> getter, final DownloadListener listener)
    {
        final Path target = options.output().target(file);
        // A file outside LFS has no sha256: it is placed under a temporary name beside the target, checked against
        // its git blob id, and only then renamed into place, so a bad copy is never visible at the target.
        final boolean checkBlobId = file.lfsSha256() == null && file.etag() != null && file.etag().length() == 40 &&
            !options.source().modelScope();
        final Path placed = checkBlobId ? target.resolveSibling("." + target.getFileName() + ".starling-check") :
            target;
        final String digest = file.expectedDigest() == null ? null : file.expectedDigest().toString();
        final GetRequest request = new GetRequest(options.client().downloadUrl(file).toString(), placed, digest,
            headers, null, null, null, file.taskId().toString());
        final GetOutcome outcome = getter.apply(request, listener);
        if (file.sizeBytes() >= 0 && outcome.lengthBytes() != file.sizeBytes())
        {
            deleteQuietly(placed);
            throw new StarlingException(ErrorCode.CONTENT_CHANGED, "the hub listed " + file.path() + " with " +
                file.sizeBytes() + " bytes but served " + outcome.lengthBytes() + "; run again");
        }
        if (checkBlobId)
        {
            final String blobId = gitBlobId(placed);
            if (!blobId.equals(file.etag()))
            {
                deleteQuietly(placed);
                throw new StarlingException(ErrorCode.DIGEST_MISMATCH, file.path() + " has git blob id " + blobId +
                    " but the hub listed " + file.etag() + " at " + file.commit() + "; the stored task " +
                    file.taskId() + " is bad: run again after removing it");
            }
            try
            {
                Files.move(placed, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                // rename(2) does nothing when both names are hard links to one file (a rerun over a placed copy).
                Files.deleteIfExists(placed);
            }
            catch (final IOException ex)
            {
                deleteQuietly(placed);
                throw new StarlingException(ErrorCode.TARGET_NOT_WRITABLE, "cannot move " + file.path() +
                    " into place at " + target + ": " + ex, ex);
            }
        }
        options.output().placed(file);
        return outcome;
    }

    static List<HubFile> select(final HubListing listing, final String path, final List<PathMatcher> includes,
        final List<PathMatcher> excludes)
    {
        final List<HubFile> out = new ArrayList<>();
        boolean underPath = false;
        for (final HubFile f : listing.files())
        {
            if (path != null && !f.path().equals(path) && !f.path().startsWith(path + "/"))
            {
                continue;
            }
            underPath = true;
            if ((includes.isEmpty() || matchesAny(includes, f.path())) && !matchesAny(excludes, f.path()))
            {
                out.add(f);
            }
        }
        if (path != null && !underPath)
        {
            throw new StarlingException(ErrorCode.ORIGIN_NOT_FOUND, "no file or directory '" + path + "' in " +
                listing.repoId() + " at " + listing.commit());
        }
        return out;
    }

    /**
     * A glob without {@code /} matches a file name in any directory ({@code *.safetensors}); one with {@code /}
     * matches the whole repository path ({@code onnx/**}).
     */
    static List<PathMatcher> matchers(final List<String> globs, final String flag)
    {
        final List<PathMatcher> out = new ArrayList<>();
        for (final String glob : globs)
        {
            try
            {
                final PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
                final boolean nameOnly = !glob.contains("/");
                out.add(p -> m.matches(nameOnly ? p.getFileName() : p));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG, "bad " + flag + " glob '" + glob + "': " +
                    ex.getMessage());
            }
        }
        return out;
    }

    private static boolean matchesAny(final List<PathMatcher> matchers, final String path)
    {
        final Path p = Path.of(path);
        for (final PathMatcher m : matchers)
        {
            if (m.matches(p))
            {
                return true;
            }
        }
        return false;
    }

    static String gitBlobId(final Path file)
    {
        try (InputStream in = Files.newInputStream(file))
        {
            final MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.US_ASCII));
            final byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) > 0)
            {
                sha1.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(sha1.digest());
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.TARGET_NOT_WRITABLE, "cannot read back " + file + ": " + ex, ex);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static void deleteQuietly(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            // the error being reported matters more
        }
    }
}
