package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.download.DownloadRequest;
import dev.starling.dataplane.download.DownloadResult;
import dev.starling.dataplane.download.OriginDownloader;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.scheduler.SchedulerClient;
import dev.starling.dataplane.source.SourceBackends;
import dev.starling.dataplane.source.SourceRequest;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.TaskId;
import dev.starling.dataplane.transport.TransportProvider;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs one {@link GetRequest} against a store: downloads (from the named peer, then the origin) and places the
 * result. Used by the embedded {@code starling get} and by the daemon's control endpoint alike.
 */
final class GetJob
{
    private GetJob()
    {
    }

    static GetOutcome run(
        final DataplaneContext ctx,
        final PieceStore store,
        final SourceBackends backends,
        final TransportProvider transport,
        final DataplaneMetrics metrics,
        final SchedulerClient scheduler,
        final GetRequest request,
        final DownloadListener listener)
    {
        final URI uri = parseUrl(request.url());
        final Digest expected = parseDigest(request.digest());
        final List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (final String h : request.headers())
        {
            headers.add(parseHeader(h));
        }
        final InetSocketAddress from = request.from() == null ? null :
            DataplaneContext.parseAddress("--from", request.from());
        final TaskId taskId = taskId(request);
        final Path target = store.checkTarget(request.output());
        final long startNs = System.nanoTime();
        final DownloadResult result = new OriginDownloader(ctx, store, backends, transport, metrics, scheduler).download(
            new DownloadRequest(new SourceRequest(uri, headers, null), taskId, expected, from), listener);
        try
        {
            final boolean linked = store.place(result.handle(), target);
            return new GetOutcome(result.handle().layout().contentLengthBytes(), result.bytesFromOrigin(),
                result.bytesFromPeers(), result.bytesReused(), result.handle().id().toString(), target, linked,
                (System.nanoTime() - startNs) / 1e9);
        }
        finally
        {
            result.handle().close();
        }
    }

    /**
     * @param request a get.
     * @return its task id: the one the request names when it names one, else the digest when one is given, else
     *     from the normalised URL, tag and application.
     * @throws StarlingException {@code BAD_CONFIG} when the named id is malformed or names another digest.
     */
    static TaskId taskId(final GetRequest request)
    {
        final Digest expected = parseDigest(request.digest());
        if (request.taskId() != null)
        {
            final TaskId named;
            try
            {
                named = TaskId.parse(request.taskId().trim());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG, "bad task id: " + ex.getMessage());
            }
            if (expected != null && named.contentAddressed() && !named.equals(TaskId.ofDigest(expected)))
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG, "task id " + named + " does not match the digest " +
                    request.digest() + ": name the task by that digest or leave the task id out");
            }
            return named;
        }
        return expected != null ? TaskId.ofDigest(expected) :
            TaskId.ofUrl(parseUrl(request.url()).toString(), request.tag(), request.application());
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

    static Digest parseDigest(final String text)
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
