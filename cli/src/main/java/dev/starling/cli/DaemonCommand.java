package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.StarlingException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code starling daemon}: one per node. Holds the store, serves its pieces to peers, answers
 * {@code starling get} through the control endpoint, and exposes /healthz and /metrics. Runs until SIGTERM/SIGINT.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true,
    description = {"Run the node daemon: piece store, piece server, control endpoint for 'starling get', metrics.",
        "Stops cleanly on SIGTERM or SIGINT."})
final class DaemonCommand implements Callable<Integer>
{
    @Option(names = "--piece-listen", paramLabel = "HOST:PORT", description = "Where peers fetch pieces (default 0.0.0.0:65000).")
    String pieceListen;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT", description = "Where /healthz and /metrics are served (default 127.0.0.1:65003).")
    String metricsListen;

    @Option(names = "--seed", description = "Act as a seed: fetch tasks nobody has from the origin when the scheduler asks.")
    boolean seed;

    @Option(names = "--zone", paramLabel = "ZONE", description = "Locality label for the scheduler (parents in the same zone rank higher).")
    String zone;

    @Option(names = "--rack", paramLabel = "RACK", description = "Locality label for the scheduler (parents in the same rack rank higher).")
    String rack;

    @Option(names = "--upload-slots", paramLabel = "N", description = "Pieces this node uploads at once, as told to the scheduler (default 16).")
    String uploadSlots;

    @Mixin
    DataplaneOptions dataplane = new DataplaneOptions();

    @Override
    public Integer call() throws Exception
    {
        final Daemon daemon;
        final DataplaneContext ctx;
        try
        {
            dataplane.pieceListen = pieceListen;
            dataplane.metricsListen = metricsListen;
            dataplane.seed = seed ? "true" : null;
            dataplane.zone = zone;
            dataplane.rack = rack;
            dataplane.uploadSlots = uploadSlots;
            ctx = dataplane.toContext(dataplane.loadConfig(List.of()));
            daemon = new Daemon(ctx);
        }
        catch (final StarlingException ex)
        {
            System.err.println("starling daemon: " + ex.describe());
            return ex.code().exitCode();
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            daemon.close();
            stopped.countDown();
        }, "starling-shutdown"));
        System.out.println("starling daemon: ready; pieces on " + daemon.pieceAddress() + ", metrics on port " +
            daemon.metricsPort() + (ctx.scheduler().isEmpty() ? "" : ", scheduler " + ctx.scheduler() +
            (ctx.seed() ? " (seed)" : "")));
        System.out.flush();
        stopped.await();
        return 0;
    }
}
