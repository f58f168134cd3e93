package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.source.SourceBackends;
import dev.starling.dataplane.source.http.HttpSourceBackend;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.Transports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code starling get URL -o FILE}: downloads an artifact into the store and places it at the target path,
 * through the daemon that owns the data dir when one runs (its control endpoint), else with an embedded store.
 * Exit code 0 only when the file at the target is complete and verified.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
        "Download URL into the local store and place it at -o FILE.",
        "Goes through the daemon that owns --data-dir when one runs; otherwise embeds one.",
        "Exit codes: 0 success, 2 usage, otherwise the error's code (see docs/errors.md)."})
final class GetCommand implements Callable<Integer>
{
    @Parameters(index = "0", paramLabel = "URL", description = "http:// or https:// URL of the artifact.")
    String url;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "Where to place the result.")
    Path output;

    @Option(names = "--digest", paramLabel = "sha256:HEX", description = "Expected sha256 of the whole content; " +
        "the task is then named by it and the result verified against it.")
    String digest;

    @Option(names = {"-H", "--header"}, paramLabel = "'Name: value'",
        description = "Request header for the origin, e.g. 'Authorization: Bearer …' (repeatable).")
    List<String> headers = new ArrayList<>();

    @Option(names = "--tag", description = "Tag that separates tasks with the same URL.")
    String tag;

    @Option(names = "--application", description = "Application name that separates tasks with the same URL.")
    String application;

    @Option(names = "--from", paramLabel = "HOST:PORT", description = "A peer's piece server to fetch pieces from " +
        "before falling back to the origin.")
    String from;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar and no summary line.")
    boolean quiet;

    @Option(names = "--progress", paramLabel = "auto|bar|none", description = "Progress display (default auto: a bar on a terminal).")
    String progress = "auto";

    @Mixin
    DataplaneOptions dataplane = new DataplaneOptions();

    @Override
    public Integer call()
    {
        final PrintStream err = System.err;
        try
        {
            return run(err);
        }
        catch (final StarlingException ex)
        {
            err.println("starling get: " + ex.describe());
            return ex.code().exitCode();
        }
        catch (final RuntimeException ex)
        {
            err.println("starling get: " + ErrorCode.INTERNAL.name() + ": " + ex);
            return ErrorCode.INTERNAL.exitCode();
        }
    }

    private int run(final PrintStream err)
    {
        final ConfigFile file = dataplane.loadConfig(List.of("header", "tag", "application", "from"));
        // An embedded get in a swarm serves its pieces while it downloads: on any free ports, unless configured.
        dataplane.pieceListen = "0.0.0.0:0";
        dataplane.metricsListen = "127.0.0.1:0";
        final DataplaneContext ctx = dataplane.toContext(file);
        final List<String> allHeaders = new ArrayList<>(file.strings("header"));
        allHeaders.addAll(headers);
        final GetRequest request = new GetRequest(url, output.toAbsolutePath().normalize(), digest, allHeaders,
            tag != null ? tag : file.string("tag"), application != null ? application : file.string("application"),
            from != null ? from : file.string("from"));
        GetJob.parseUrl(url);
        GetJob.parseDigest(digest);

        final boolean bar = !quiet && ("bar".equals(progress) || ("auto".equals(progress) && System.console() != null));
        final GetOutcome outcome;
        try (ProgressDisplay display = bar ? ProgressDisplay.bar(request.output().getFileName().toString()) : null)
        {
            final DownloadListener listener = display != null ? display : DownloadListener.NONE;
            final GetOutcome viaDaemon = ControlClient.tryGet(ControlProtocol.socketPath(ctx.dataDir()), request, listener);
            outcome = viaDaemon != null ? viaDaemon : embedded(ctx, request, listener);
        }
        if (!quiet)
        {
            err.println(outcome.summary());
        }
        return 0;
    }

    private static GetOutcome embedded(final DataplaneContext ctx, final GetRequest request, final DownloadListener listener)
    {
        if (!ctx.scheduler().isEmpty())
        {
            // In a swarm this node is a peer while it downloads: it serves its pieces and talks to the scheduler.
            try (Daemon node = new Daemon(ctx, false))
            {
                return node.get(request, listener);
            }
        }
        try (PieceStore store = PieceStore.open(ctx);
             SourceBackends backends = new SourceBackends().register(new HttpSourceBackend(ctx, 2));
             TransportProvider transport = request.from() == null ? null :
                 Transports.open("tcp", ctx.transport(), Math.max(1, Runtime.getRuntime().availableProcessors())))
        {
            return GetJob.run(ctx, store, backends, transport, new DataplaneMetrics(), null, request, listener);
        }
    }
}
