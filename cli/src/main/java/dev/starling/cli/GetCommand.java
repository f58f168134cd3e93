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

import dev.starling.modelproxy.HubApi;
import dev.starling.modelproxy.HubProxyConfiguration;
import dev.starling.modelproxy.HubProxyContext;
import dev.starling.modelproxy.HubClient;
import dev.starling.modelproxy.ModelScopeApi;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * {@code starling get URL -o FILE}: downloads an artifact into the store and places it at the target path,
 * through the daemon that owns the data dir when one runs (its control endpoint), else with an embedded store.
 * {@code starling get hf://ORG/NAME -o DIR} (or {@code modelscope://…}) does the same for every selected file of a
 * hub repository ({@link HubGet}). Exit code 0 only when every file at the target is complete and verified.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
        "Download URL into the local store and place it at -o FILE.",
        "hf://[models/|datasets/]ORG/NAME[@REVISION][/PATH] or modelscope://ORG/NAME[@REVISION][/PATH] downloads a " +
            "hub repository (or the file or directory PATH of it) into -o DIR, or into the Hugging Face cache " +
            "with --hf-cache.",
        "Goes through the daemon that owns --data-dir when one runs; otherwise embeds one.",
        "Exit codes: 0 success, 2 usage, otherwise the error's code (see docs/errors.md)."})
final class GetCommand implements Callable<Integer>
{
    /** The YAML keys of the hub upstreams. */
    static final String HF_UPSTREAM_KEY = HubProxyConfiguration.HF_UPSTREAM.yamlKey();
    static final String MODELSCOPE_UPSTREAM_KEY = HubProxyConfiguration.MODELSCOPE_UPSTREAM.yamlKey();

    @Parameters(index = "0", paramLabel = "URL", description = "http:// or https:// URL of the artifact, or a " +
        "hf:// or modelscope:// repository.")
    String url;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE|DIR", description = "Where to place the result (a " +
        "directory for hf:// and modelscope://).")
    Path output;

    @Option(names = "--include", paramLabel = "GLOB", description = "hf://, modelscope://: download only files " +
        "matching a glob (repeatable; without '/' it matches the file name in any directory, e.g. '*.safetensors').")
    List<String> includes = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "GLOB", description = "hf://, modelscope://: skip files matching a " +
        "glob (repeatable).")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--token", paramLabel = "TOKEN", description = "hf://, modelscope://: hub access token for " +
        "gated and private repositories; sent only to the hub, as 'Authorization: Bearer'.")
    String token;

    @Option(names = "--hf-upstream", paramLabel = "URL", description = "Hugging Face hub to list and fetch hf:// " +
        "from (default " + HubProxyConfiguration.HF_UPSTREAM_DEFAULT + ").")
    String hfUpstream;

    @Option(names = "--modelscope-upstream", paramLabel = "URL", description = "ModelScope hub for modelscope:// " +
        "(default " + HubProxyConfiguration.MODELSCOPE_UPSTREAM_DEFAULT + ").")
    String modelScopeUpstream;

    @Option(names = "--hf-cache", paramLabel = "DIR", arity = "0..1", fallbackValue = "",
        description = "hf://: write the Hugging Face cache layout (blobs, refs, snapshots) into DIR instead of -o " +
            "(default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub). Put it after the URL.")
    String hfCache;

    @Option(names = "--parallel", paramLabel = "N", description = "hf://, modelscope://: files downloaded at once " +
        "(default 4).")
    int parallel = 4;

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
        final ConfigFile file = dataplane.loadConfig(List.of("header", "tag", "application", "from",
            HF_UPSTREAM_KEY, MODELSCOPE_UPSTREAM_KEY));
        // An embedded get in a swarm serves its pieces while it downloads: on any free ports, unless configured.
        dataplane.pieceListen = "0.0.0.0:0";
        dataplane.metricsListen = "127.0.0.1:0";
        if (HubUrl.isHub(url))
        {
            return runHub(err, file);
        }
        if (output == null)
        {
            err.println("starling get: missing -o FILE");
            return Main.USAGE_EXIT_CODE;
        }
        if (!includes.isEmpty() || !excludes.isEmpty() || token != null || hfCache != null)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "--include, --exclude, --token and --hf-cache apply " +
                "to hf:// and modelscope:// only; for " + url + " use --header for credentials");
        }
        final DataplaneContext ctx = dataplane.toContext(file);
        final List<String> allHeaders = new ArrayList<>(file.strings("header"));
        allHeaders.addAll(headers);
        final GetRequest request = new GetRequest(url, output.toAbsolutePath().normalize(), digest, allHeaders,
            tag != null ? tag : file.string("tag"), application != null ? application : file.string("application"),
            from != null ? from : file.string("from"), null);
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
        return withEmbeddedNode(ctx, request.from() != null, getter -> getter.apply(request, listener));
    }

    /**
     * Opens an embedded node for the length of {@code body}: a whole daemon in a swarm (it serves its pieces while
     * it downloads), else a store and origin backends. The getter it hands over may be called from several threads.
     */
    private static <T> T withEmbeddedNode(final DataplaneContext ctx, final boolean needsTransport,
        final Function<BiFunction<GetRequest, DownloadListener, GetOutcome>, T> body)
    {
        if (!ctx.scheduler().isEmpty())
        {
            try (Daemon node = new Daemon(ctx, false))
            {
                return body.apply(node::get);
            }
        }
        final DataplaneMetrics metrics = new DataplaneMetrics();
        try (PieceStore store = PieceStore.open(ctx);
             SourceBackends backends = new SourceBackends().register(new HttpSourceBackend(ctx, 2));
             TransportProvider transport = !needsTransport ? null :
                 Transports.openPreferred(ctx.transport(), Math.max(1, Runtime.getRuntime().availableProcessors())))
        {
            return body.apply((request, listener) ->
                GetJob.run(ctx, store, backends, transport, metrics, null, request, listener));
        }
    }

    private int runHub(final PrintStream err, final ConfigFile file)
    {
        final HubUrl source = HubUrl.parse(url);
        if (digest != null || tag != null || application != null || from != null || !headers.isEmpty())
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "--digest, --tag, --application, --from and --header " +
                "do not apply to " + (source.modelScope() ? "modelscope://" : "hf://") + " (each file's task and " +
                "digest come from the hub's listing; use --token for credentials)");
        }
        final HubOutput out = hubOutput(source, err);
        if (out == null)
        {
            return Main.USAGE_EXIT_CODE;
        }
        final DataplaneContext ctx = dataplane.toContext(file);
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(ctx.connectTimeoutMs()))
            .followRedirects(HttpClient.Redirect.NEVER).build();
        final HubClient client = source.modelScope() ?
            new ModelScopeApi(upstream(modelScopeUpstream, file, MODELSCOPE_UPSTREAM_KEY,
                HubProxyConfiguration.modelscopeUpstream()),
                http, token) :
            new HubApi(upstream(hfUpstream, file, HF_UPSTREAM_KEY, HubProxyConfiguration.hfUpstream()), http, token);
        final HubGet.Options options = new HubGet.Options(source, client, out, includes, excludes, token, parallel);

        final boolean bar = !quiet && ("bar".equals(progress) || ("auto".equals(progress) && System.console() != null));
        final HubGet.Outcome outcome;
        try (ProgressDisplay display = bar ? ProgressDisplay.bar(source.repoId()) : null)
        {
            final DownloadListener listener = display != null ? display : DownloadListener.NONE;
            final Path socket = ControlProtocol.socketPath(ctx.dataDir());
            if (ControlClient.daemonAnswers(socket))
            {
                outcome = HubGet.run(options, (request, l) ->
                {
                    final GetOutcome o = ControlClient.tryGet(socket, request, l);
                    if (o == null)
                    {
                        throw new StarlingException(ErrorCode.INTERNAL, "the daemon stopped answering on " + socket +
                            " during the download; run again");
                    }
                    return o;
                }, listener);
            }
            else
            {
                outcome = withEmbeddedNode(ctx, false, getter -> HubGet.run(options, getter, listener));
            }
        }
        if (!quiet)
        {
            err.println(outcome.summary());
        }
        return 0;
    }

    /** -o DIR, or --hf-cache [DIR]; null (after a message) when the combination is a usage error. */
    private HubOutput hubOutput(final HubUrl source, final PrintStream err)
    {
        if (hfCache == null)
        {
            if (output == null)
            {
                err.println("starling get: missing -o DIR (or --hf-cache for the Hugging Face cache layout)");
                return null;
            }
            return HubOutput.plain(output);
        }
        if (output != null)
        {
            err.println("starling get: use either -o DIR or --hf-cache [DIR], not both");
            return null;
        }
        if (source.modelScope())
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "--hf-cache writes the Hugging Face cache layout, " +
                "which needs commit shas ModelScope does not list: use -o DIR for modelscope://");
        }
        return HubOutput.hfCache(hfCache.isEmpty() ? defaultHfCache() : DataplaneOptions.expandHome(hfCache),
            source.type(), source.repoId());
    }

    /** The Hugging Face cache as huggingface_hub finds it: $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub. */
    private static Path defaultHfCache()
    {
        final String hubCache = System.getenv("HF_HUB_CACHE");
        if (hubCache != null && !hubCache.isBlank())
        {
            return DataplaneOptions.expandHome(hubCache);
        }
        final String home = System.getenv("HF_HOME");
        if (home != null && !home.isBlank())
        {
            return DataplaneOptions.expandHome(home).resolve("hub");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
    }

    private static URI upstream(final String flag, final ConfigFile file, final String key, final String fallback)
    {
        final String text = flag != null ? flag : file.string(key);
        return HubProxyContext.upstream(key, text != null ? text : fallback);
    }
}
