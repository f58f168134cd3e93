package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.scheduler.EmbeddedAeron;
import dev.starling.dataplane.scheduler.SchedulerChannels;
import dev.starling.scheduler.Scheduler;
import dev.starling.scheduler.SchedulerContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code starling swarm}: the whole mesh on one machine. An HTTP origin serving a generated file, a scheduler, a
 * seed and N peers, each a full daemon with its own store and piece server in this JVM, talking to the scheduler
 * over Aeron IPC on one shared media driver. Every peer runs {@code starling get} through its daemon at once; the
 * command prints per-peer progress, the time until all finish, the bytes the origin served against the bytes peers
 * gave each other, and whether every copy matches.
 */
@Command(name = "swarm", mixinStandardHelpOptions = true,
    description = {"Run a whole swarm on this machine: origin, scheduler, seed and N peers, all fetching one file.",
        "Exit code 0 only when every copy matches the origin's file."})
final class SwarmCommand implements Callable<Integer>
{
    @Option(names = "--peers", paramLabel = "N", description = "Peers besides the seed (default 4).")
    int peers = 4;

    @Option(names = "--size", paramLabel = "SIZE", description = "Size of the generated file (default 256m).")
    String size = "256m";

    @Option(names = "--piece-digest", paramLabel = "ALGORITHM", description = "auto | sha256 | crc32c (default auto).")
    String pieceDigest = "auto";

    @Option(names = "--dir", paramLabel = "DIR", description = "Work directory (default: a new temporary one, deleted after).")
    Path dir;

    @Option(names = "--keep", description = "Keep the work directory.")
    boolean keep;

    @Override
    public Integer call() throws Exception
    {
        final PrintStream out = System.out;
        if (peers < 1 || peers > 64)
        {
            out.println("swarm: --peers must be 1..64");
            return Main.USAGE_EXIT_CODE;
        }
        final Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("starling-swarm-");
        try
        {
            return run(out, work);
        }
        catch (final StarlingException ex)
        {
            out.println("swarm: FAILED: " + ex.describe());
            return ex.code().exitCode();
        }
        finally
        {
            if (keep)
            {
                out.println("swarm: kept " + work);
            }
            else
            {
                DemoCommand.deleteTree(work);
            }
        }
    }

    private int run(final PrintStream out, final Path work) throws Exception
    {
        final long length = Sizes.parse(size);
        final Path file = work.resolve("artifact.bin");
        final String sha256 = DemoCommand.generate(file, length);
        out.println("swarm: generated " + Sizes.human(length) + " (sha256:" + sha256.substring(0, 16) + "...), " +
            "a scheduler, a seed and " + peers + " peers");
        final List<Daemon> nodes = new ArrayList<>();
        final ExecutorService pool = Executors.newFixedThreadPool(peers);
        try (DemoOrigin origin = new DemoOrigin(file);
             EmbeddedAeron aeron = EmbeddedAeron.launch(work.resolve("aeron"), 2_000);
             Scheduler scheduler = Scheduler.launch(new SchedulerContext().conclude(), aeron.aeron(),
                 SchedulerChannels.IPC))
        {
            try
            {
                return swarm(out, work, origin, aeron, file, length, sha256, nodes, pool);
            }
            finally
            {
                pool.shutdownNow();
                for (final Daemon d : nodes)
                {
                    d.close();
                }
            }
        }
    }

    private int swarm(
        final PrintStream out,
        final Path work,
        final DemoOrigin origin,
        final EmbeddedAeron aeron,
        final Path file,
        final long length,
        final String sha256,
        final List<Daemon> nodes,
        final ExecutorService pool) throws Exception
    {
        {
            final String url = "http://127.0.0.1:" + origin.port() + "/" + file.getFileName();
            for (int i = 0; i <= peers; i++)
            {
                nodes.add(new Daemon(nodeContext(work, i), false, new SchedulerWiring.Link(aeron.aeron(),
                    SchedulerChannels.IPC, SchedulerChannels.IPC, SchedulerChannels.REPLY_STREAM_ID + i)));
            }
            final long cpuStartNs = processCpuNs();
            final long startNs = System.nanoTime();
            final AtomicLong[] done = new AtomicLong[peers];
            final long[] finishNs = new long[peers];
            final List<Future<GetOutcome>> gets = new ArrayList<>();
            for (int i = 0; i < peers; i++)
            {
                final int peer = i;
                done[i] = new AtomicLong();
                final Daemon node = nodes.get(i + 1);
                final GetRequest request = new GetRequest(url, work.resolve("peer-" + (i + 1) + ".out"),
                    "sha256:" + sha256, List.of(), null, null, null, null);
                gets.add(pool.submit(() ->
                {
                    final GetOutcome outcome = node.get(request, new DownloadListener()
                    {
                        @Override
                        public void onProgress(final long completedBytes)
                        {
                            done[peer].set(completedBytes);
                        }
                    });
                    done[peer].set(length);
                    finishNs[peer] = System.nanoTime() - startNs;
                    return outcome;
                }));
            }
            while (!allDone(gets))
            {
                printProgress(out, startNs, done, length, origin.bytesServed());
                Thread.sleep(1_000);
            }
            long lastNs = 0;
            for (final long f : finishNs)
            {
                lastNs = Math.max(lastNs, f);
            }
            final double elapsedS = lastNs / 1e9;
            final double cpuS = (processCpuNs() - cpuStartNs) / 1e9;
            int failed = 0;
            long fromPeers = 0;
            long fromOrigin = 0;
            for (int i = 0; i < peers; i++)
            {
                try
                {
                    final GetOutcome o = gets.get(i).get();
                    fromPeers += o.fromPeers();
                    fromOrigin += o.fromOrigin();
                    final boolean match = DemoCommand.sha256Of(o.target()).equals(sha256);
                    failed += match ? 0 : 1;
                    out.printf("swarm: peer %d done in %.2f s: %s from peers, %s from the origin, %s%n", i + 1,
                        finishNs[i] / 1e9, Sizes.human(o.fromPeers()), Sizes.human(o.fromOrigin()),
                        match ? "copy matches" : "COPY DIFFERS");
                }
                catch (final java.util.concurrent.ExecutionException ex)
                {
                    failed++;
                    final Throwable cause = ex.getCause();
                    out.println("swarm: peer " + (i + 1) + " FAILED: " + (cause instanceof StarlingException ?
                        ((StarlingException)cause).describe() : cause.toString()));
                }
            }
            final long served = origin.bytesServed();
            out.printf("swarm: %d peers finished in %.2f s (%.0f MB/s per peer); the origin served %s = %.2f x the " +
                "file (the seed's fetch), peers gave each other %s; CPU %.1f s%n", peers - failed, elapsedS,
                length / 1e6 / elapsedS, Sizes.human(served), (double)served / length, Sizes.human(fromPeers), cpuS);
            if (failed > 0)
            {
                out.println("swarm: FAILED: " + failed + " of " + peers + " peers do not hold a matching copy");
                return 1;
            }
            out.println("swarm: OK: every copy matches the origin's file (" + Sizes.human(fromOrigin) +
                " of the peers' bytes came from the origin directly)");
            return 0;
        }
    }

    private DataplaneContext nodeContext(final Path work, final int index)
    {
        return new DataplaneContext()
            .dataDir(work.resolve(index == 0 ? "seed" : "peer-" + index))
            .indexMaxTasks(DataplaneContext.MIN_INDEX_MAX_TASKS)
            .pieceListen("127.0.0.1:0")
            .metricsListen("127.0.0.1:0")
            .advertiseAddress("127.0.0.1")
            .seed(index == 0)
            .pieceDigest(dev.starling.dataplane.task.PieceDigestPolicy.parse(pieceDigest))
            .conclude();
    }

    private static boolean allDone(final List<Future<GetOutcome>> gets)
    {
        for (final Future<GetOutcome> f : gets)
        {
            if (!f.isDone())
            {
                return false;
            }
        }
        return true;
    }

    private static void printProgress(
        final PrintStream out, final long startNs, final AtomicLong[] done, final long length, final long originBytes)
    {
        final StringBuilder line = new StringBuilder(String.format("swarm: %5.1f s ", (System.nanoTime() - startNs) / 1e9));
        for (final AtomicLong d : done)
        {
            line.append(String.format(" %3d%%", length == 0 ? 100 : d.get() * 100 / length));
        }
        line.append("   origin ").append(Sizes.human(originBytes));
        out.println(line);
    }

    private static long processCpuNs()
    {
        final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean ?
            ((com.sun.management.OperatingSystemMXBean)os).getProcessCpuTime() : TimeUnit.MILLISECONDS.toNanos(0);
    }
}
