package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneConfiguration;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.scheduler.Scheduler;
import dev.starling.scheduler.SchedulerConfiguration;
import dev.starling.scheduler.SchedulerContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code starling scheduler}: the mesh's scheduler. Tracks which peer holds which piece of each task and answers
 * peers over Aeron UDP; runs until SIGTERM/SIGINT, then closes its subscription, publications and media driver.
 */
@Command(name = "scheduler", mixinStandardHelpOptions = true,
    description = {"Run the scheduler: swarm registry, parent ranking and seed triggering over Aeron UDP.",
        "Stops cleanly on SIGTERM or SIGINT."})
final class SchedulerCommand implements Callable<Integer>
{
    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file; every flag can be set there.")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Where peers send (default " +
        SchedulerConfiguration.LISTEN_DEFAULT + ").")
    String listen;

    @Option(names = "--aeron-dir", paramLabel = "DIR", description = "The media driver's own directory (default: " +
        "java.io.tmpdir/starling-scheduler-PORT).")
    String aeronDir;

    @Option(names = "--peer-timeout", paramLabel = "DURATION", description = "A host silent this long leaves its " +
        "tasks, e.g. 500ms, 10s (default 10s).")
    String peerTimeout;

    @Option(names = "--max-back-to-source", paramLabel = "N", description = "Peers at most sent to the origin per " +
        "task without a seed (default 2).")
    String maxBackToSource;

    @Option(names = "--candidate-parents", paramLabel = "N", description = "Candidate parents per reply (default 8).")
    String candidateParents;

    @Option(names = "--aeron-liveness", paramLabel = "DURATION", description = "Aeron's liveness timeout (default 5s).")
    String aeronLiveness;

    @Option(names = "--aeron-threading", paramLabel = "MODE", description = "shared | shared-network | dedicated: the " +
        "embedded media driver's threads (default shared).")
    String aeronThreading;

    @Override
    public Integer call() throws Exception
    {
        final Scheduler scheduler;
        try
        {
            scheduler = Scheduler.launch(toContext(loadConfig()));
        }
        catch (final StarlingException ex)
        {
            System.err.println("starling scheduler: " + ex.describe());
            return ex.code().exitCode();
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            scheduler.close();
            stopped.countDown();
        }, "starling-shutdown"));
        System.out.println("starling scheduler: ready; listening on " + String.join(", ", scheduler.listenAddresses()) +
            ", aeron dir " + scheduler.context().aeronDir());
        System.out.flush();
        stopped.await();
        return 0;
    }

    private ConfigFile loadConfig()
    {
        if (config == null)
        {
            return ConfigFile.empty();
        }
        final List<String> keys = new ArrayList<>();
        for (final DataplaneConfiguration.Setting s : SchedulerConfiguration.SETTINGS)
        {
            keys.add(s.yamlKey());
        }
        return ConfigFile.load(config, keys);
    }

    SchedulerContext toContext(final ConfigFile file)
    {
        final SchedulerContext ctx = new SchedulerContext();
        DataplaneOptions.apply(listen, file.string("listen"), "listen", v -> v, ctx::listen);
        DataplaneOptions.apply(aeronDir, file.string("aeron-dir"), "aeron-dir", DataplaneOptions::expandHome,
            ctx::aeronDir);
        DataplaneOptions.apply(peerTimeout, file.string("peer-timeout"), "peer-timeout",
            v -> SchedulerConfiguration.parseDurationMs("peer-timeout", v), ctx::peerTimeoutMs);
        DataplaneOptions.apply(maxBackToSource, file.string("max-back-to-source"), "max-back-to-source",
            Integer::parseInt, ctx::maxBackToSource);
        DataplaneOptions.apply(candidateParents, file.string("candidate-parents"), "candidate-parents",
            Integer::parseInt, ctx::candidateParents);
        DataplaneOptions.apply(aeronLiveness, file.string("aeron-liveness"), "aeron-liveness",
            v -> SchedulerConfiguration.parseDurationMs("aeron-liveness", v), ctx::aeronLivenessMs);
        DataplaneOptions.apply(aeronThreading, file.string("aeron-threading"), "aeron-threading", v -> v,
            ctx::aeronThreading);
        return ctx.conclude();
    }
}
