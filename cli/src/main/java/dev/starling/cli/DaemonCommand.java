package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.modelproxy.HubProxyContext;
import dev.starling.ociproxy.OciProxyContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
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

    @Option(names = "--mirror-listen", paramLabel = "HOST:PORT", description = "Where the registry mirror listens " +
        "(default 127.0.0.1:65001; none to turn it off).")
    String mirrorListen;

    @Option(names = "--mirror-registry-listen", paramLabel = "REGISTRY=HOST:PORT[,...]", description = "One more " +
        "mirror listener per registry, whose requests that name no registry go to REGISTRY (for CRI-O and skopeo).")
    String mirrorRegistryListen;

    @Option(names = "--registry-default", paramLabel = "URL", description = "Upstream registry for requests on " +
        "--mirror-listen that name none (default https://registry-1.docker.io).")
    String registryDefault;

    @Option(names = "--registry-insecure", paramLabel = "HOST[:PORT][,...]", description = "Registries reached " +
        "without certificate verification: HTTPS, or plain HTTP when they do not speak TLS.")
    String registryInsecure;

    @Option(names = "--registry-ca", paramLabel = "FILE", description = "PEM CA certificates trusted for upstream registries.")
    String registryCa;

    @Option(names = "--mirror-auth-check", paramLabel = "true|false", description = "Serve a blob only after the " +
        "upstream confirms this client may read it (default true).")
    String mirrorAuthCheck;

    @Option(names = "--mirror-auth-cache-ms", paramLabel = "MS", description = "How long a confirmation is reused (default 60000).")
    String mirrorAuthCacheMs;

    @Option(names = "--hub-listen", paramLabel = "HOST:PORT", description = "Where the model hub endpoint " +
        "(HF_ENDPOINT) listens (default 127.0.0.1:65002; none to turn it off).")
    String hubListen;

    @Option(names = "--hf-upstream", paramLabel = "URL", description = "The Hugging Face hub or a mirror of it " +
        "(default https://huggingface.co).")
    String hfUpstream;

    @Option(names = "--modelscope-upstream", paramLabel = "URL", description = "The ModelScope hub " +
        "(default https://www.modelscope.cn).")
    String modelscopeUpstream;

    @Option(names = "--hub-auth-check", paramLabel = "true|false", description = "Serve a file only after the hub " +
        "confirms this caller may read it (default true).")
    String hubAuthCheck;

    @Option(names = "--hub-auth-cache-ms", paramLabel = "MS", description = "How long file metadata and a " +
        "confirmation are reused (default 60000).")
    String hubAuthCacheMs;

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
            final List<String> frontEndKeys = new ArrayList<>(MirrorOptions.yamlKeys());
            frontEndKeys.addAll(HubOptions.yamlKeys());
            final ConfigFile file = dataplane.loadConfig(frontEndKeys);
            ctx = dataplane.toContext(file);
            final OciProxyContext mirror = MirrorOptions.toContext(file, mirrorListen, mirrorRegistryListen,
                registryDefault, registryInsecure, registryCa, mirrorAuthCheck, mirrorAuthCacheMs);
            final HubProxyContext hub = HubOptions.toContext(file, hubListen, hfUpstream, modelscopeUpstream,
                hubAuthCheck, hubAuthCacheMs);
            daemon = new Daemon(ctx, true, null, mirror, hub);
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
            daemon.metricsPort() + (daemon.mirrorAddress() == null ? "" : ", registry mirror on " +
            daemon.mirrorAddress().getHostString() + ":" + daemon.mirrorAddress().getPort()) +
            registryMirrors(daemon) + (daemon.hubAddress() == null ? "" : ", model hub on " +
            daemon.hubAddress().getHostString() + ":" + daemon.hubAddress().getPort()) +
            (ctx.scheduler().isEmpty() ? "" : ", scheduler " + ctx.scheduler() +
            (ctx.seed() ? " (seed)" : "")));
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** ", registry mirror for R on H:P" per registry listener. */
    private static String registryMirrors(final Daemon daemon)
    {
        final StringBuilder sb = new StringBuilder();
        daemon.mirrorRegistryAddresses().forEach((registry, address) -> sb.append(", registry mirror for ")
            .append(registry).append(" on ").append(address.getHostString()).append(':').append(address.getPort()));
        return sb.toString();
    }
}
