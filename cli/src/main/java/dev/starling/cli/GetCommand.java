package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.download.DownloadRequest;
import dev.starling.dataplane.download.DownloadResult;
import dev.starling.dataplane.download.OriginDownloader;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.source.SourceBackends;
import dev.starling.dataplane.source.SourceRequest;
import dev.starling.dataplane.source.http.HttpSourceBackend;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.TaskId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code starling get URL -o FILE}: downloads an artifact into the store and places it at the target path.
 * Exit code 0 only when the file at the target is complete and verified.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
        "Download URL into the local store and place it at -o FILE.",
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
        final ConfigFile file = dataplane.loadConfig(List.of("header", "tag", "application"));
        final DataplaneContext ctx = dataplane.toContext(file);
        final URI uri = parseUrl(url);
        final Digest expected = parseDigest(digest);
        final List<Map.Entry<String, String>> requestHeaders = new ArrayList<>();
        final List<String> allHeaders = new ArrayList<>(file.strings("header"));
        allHeaders.addAll(headers);
        for (final String h : allHeaders)
        {
            requestHeaders.add(parseHeader(h));
        }
        final String taskTag = tag != null ? tag : file.string("tag");
        final String taskApp = application != null ? application : file.string("application");
        final TaskId taskId = expected != null ? TaskId.ofDigest(expected) : TaskId.ofUrl(uri.toString(), taskTag, taskApp);

        try (PieceStore store = PieceStore.open(ctx);
             SourceBackends backends = new SourceBackends().register(new HttpSourceBackend(ctx, 2)))
        {
            final Path target = store.checkTarget(output);
            final long startNs = System.nanoTime();
            final boolean bar = !quiet && ("bar".equals(progress) || ("auto".equals(progress) && System.console() != null));
            final DownloadResult result;
            try (ProgressDisplay display = bar ? ProgressDisplay.bar(target.getFileName().toString()) : null)
            {
                final DownloadListener listener = display != null ? display : DownloadListener.NONE;
                result = new OriginDownloader(ctx, store, backends).download(
                    new DownloadRequest(new SourceRequest(uri, requestHeaders, null), taskId, expected), listener);
            }
            try
            {
                final boolean linked = store.place(result.handle(), target);
                final long totalNs = System.nanoTime() - startNs;
                if (!quiet)
                {
                    err.println(summary(result, totalNs, target, linked));
                }
            }
            finally
            {
                result.handle().close();
            }
        }
        return 0;
    }

    private static String summary(final DownloadResult r, final long totalNs, final Path target, final boolean linked)
    {
        final long length = r.handle().layout().contentLengthBytes();
        final double seconds = totalNs / 1e9;
        return String.format(Locale.ROOT,
            "starling get: %s (%d bytes) in %.2f s, %s/s; origin %d bytes, peers 0 bytes, reused %d bytes; " +
            "task %s; %s %s",
            Sizes.human(length), length, seconds, Sizes.human(length / Math.max(seconds, 1e-9)), r.bytesFromOrigin(),
            r.bytesReused(), r.handle().id(), linked ? "linked to" : "copied to", target);
    }

    static URI parseUrl(final String text)
    {
        final URI uri;
        try
        {
            uri = new URI(text);
        }
        catch (final URISyntaxException ex)
        {
            throw new StarlingException(ErrorCode.BAD_URL, "malformed URL '" + text + "': " + ex.getMessage());
        }
        if (uri.getScheme() == null || uri.isOpaque() || uri.getHost() == null)
        {
            throw new StarlingException(ErrorCode.BAD_URL, "URL must be absolute with a host, e.g. " +
                "https://example.com/file: " + text);
        }
        final String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https"))
        {
            throw new StarlingException(ErrorCode.UNSUPPORTED_SCHEME, "scheme '" + scheme +
                "' is not supported (http, https): " + text);
        }
        return uri;
    }

    private static Digest parseDigest(final String text)
    {
        if (text == null)
        {
            return null;
        }
        try
        {
            return Digest.parse(text.trim());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "bad --digest: " + ex.getMessage());
        }
    }

    static Map.Entry<String, String> parseHeader(final String text)
    {
        final int colon = text.indexOf(':');
        if (colon <= 0 || text.substring(0, colon).isBlank() || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "bad header (want 'Name: value'): " + text);
        }
        return new AbstractMap.SimpleImmutableEntry<>(text.substring(0, colon).trim(), text.substring(colon + 1).trim());
    }
}
