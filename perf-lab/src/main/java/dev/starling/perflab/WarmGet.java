package dev.starling.perflab;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.download.DownloadRequest;
import dev.starling.dataplane.download.DownloadResult;
import dev.starling.dataplane.download.OriginDownloader;
import dev.starling.dataplane.source.SourceBackends;
import dev.starling.dataplane.source.SourceRequest;
import dev.starling.dataplane.source.http.HttpSourceBackend;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.task.TaskId;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Downloads one URL several times in one JVM, each time into a fresh data dir, and places it like
 * {@code starling get}: the throughput of a warm process (what a long-running daemon gives), without JVM start-up
 * and JIT warm-up. Not a JMH benchmark: one download is seconds long and its cost is I/O and hashing.
 * <p>
 * Usage: WarmGet URL WORK_DIR RUNS
 */
public final class WarmGet
{
    private WarmGet()
    {
    }

    /**
     * @param args URL, work dir, runs.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final URI url = URI.create(args[0]);
        final Path work = Path.of(args[1]);
        final int runs = Integer.parseInt(args[2]);
        for (int i = 1; i <= runs; i++)
        {
            final Path dataDir = work.resolve("warm-data");
            final Path target = work.resolve("warm-out");
            final DataplaneContext ctx = new DataplaneContext().dataDir(dataDir).conclude();
            final long start = System.nanoTime();
            long length;
            try (PieceStore store = PieceStore.open(ctx);
                 SourceBackends backends = new SourceBackends().register(new HttpSourceBackend(ctx, 2)))
            {
                final DownloadResult r = new OriginDownloader(ctx, store, backends).download(
                    new DownloadRequest(SourceRequest.of(url), TaskId.ofUrl(url.toString(), null, null), null),
                    DownloadListener.NONE);
                store.place(r.handle(), target);
                length = r.handle().layout().contentLengthBytes();
                r.handle().close();
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "warm run %d: %.2f s, %.0f MB/s%n", i, seconds, length / seconds / 1e6);
            deleteTree(dataDir);
            Files.deleteIfExists(target);
        }
    }

    private static void deleteTree(final Path root) throws Exception
    {
        try (Stream<Path> s = Files.walk(root))
        {
            for (final Path p : (Iterable<Path>)s.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(p);
            }
        }
    }
}
