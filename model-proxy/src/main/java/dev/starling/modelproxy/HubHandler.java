package dev.starling.modelproxy;

import dev.starling.dataplane.download.DownloadRequest;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.node.NodeServices;
import dev.starling.dataplane.serve.AccessCache;
import dev.starling.dataplane.serve.ByteRange;
import dev.starling.dataplane.serve.HttpRelay;
import dev.starling.dataplane.serve.StreamingHandler;
import dev.starling.dataplane.serve.TaskStream;
import dev.starling.dataplane.source.SourceRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answers one hub connection's requests on its event loop.
 * <ul>
 *     <li>{@code GET}/{@code HEAD} of {@code /[datasets/]{repo}/resolve/{revision}/{path}}: asks the upstream
 *     (a {@code HEAD} with the caller's own token, which is also the access check) for the file's commit, etag and
 *     size, cached briefly; a {@code HEAD} is answered from that, a {@code GET} streams the file from its task
 *     ({@link TaskStream}), which the node downloads through the swarm or from the upstream. The upstream's 401,
 *     403 and 404 reach the caller unchanged.</li>
 *     <li>ModelScope's file download ({@code /api/v1/models/{repo}/repo?Revision=…&FilePath=…}): the file is
 *     found in the repository's listing (fetched with the caller's token: the access check), then streamed from
 *     its task the same way.</li>
 *     <li>{@code /api/…} (and {@code /api/v1/…} to ModelScope), and any other path: passed to the upstream with
 *     the caller's headers; status, headers and body come back, with the upstream's own URLs in {@code Link} and
 *     {@code Location} turned into this endpoint's so that pagination and redirects stay on the proxy.</li>
 *     <li>Unsafe or malformed paths (traversal, encoded separators): 400. Other methods: 405.</li>
 * </ul>
 */
final class HubHandler extends StreamingHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(HubHandler.class);
    private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(30);
    /** Xet headers would send clients to the Xet storage instead of this proxy. */
    private static final Predicate<String> NOT_RETURNED = name -> name.startsWith("x-xet-");
    private static final Predicate<String> NOT_PASSED = name -> false;
    /** ModelScope's file download: {@code /api/v1/models/{org}/{name}/repo?Revision=…&FilePath=…}. */
    private static final Pattern MODELSCOPE_FILE = Pattern.compile("^/api/v1/models/([^/]+/[^/]+)/repo$");
    /** Headers that describe the client's wish for bytes, not what the access check asks. */
    private static final Predicate<String> NOT_CHECKED = name -> name.equals("range") || name.equals("if-range") ||
        name.equals("accept-encoding") || name.equals("if-none-match") || name.equals("if-modified-since");

    private final HubProxyContext ctx;
    private final NodeServices node;
    private final HttpClient client;
    private final AccessCache access;
    private final MetadataCache metadata;
    private final ModelScopeFiles modelscopeFiles;

    HubHandler(
        final HubProxyContext ctx,
        final NodeServices node,
        final HttpClient client,
        final AccessCache access,
        final MetadataCache metadata,
        final ModelScopeFiles modelscopeFiles)
    {
        super("hub");
        this.ctx = ctx;
        this.node = node;
        this.client = client;
        this.access = access;
        this.metadata = metadata;
        this.modelscopeFiles = modelscopeFiles;
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext channel, final FullHttpRequest request)
    {
        final boolean head = request.method().equals(HttpMethod.HEAD);
        if (request.decoderResult().isFailure())
        {
            HttpRelay.reply(channel, false, HubErrors.response(HttpResponseStatus.BAD_REQUEST, "BadRequest",
                "malformed request: " + request.decoderResult().cause().getMessage(), head));
            return;
        }
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        final QueryStringDecoder query = new QueryStringDecoder(request.uri());
        final HubRoute route = HubRoute.parse(query.rawPath());
        final HttpMethod method = request.method();
        final boolean readOnly = method.equals(HttpMethod.GET) || head;
        if (route.kind() == HubRoute.Kind.INVALID)
        {
            HttpRelay.reply(channel, keepAlive, HubErrors.response(HttpResponseStatus.BAD_REQUEST, "BadRequest",
                "not a valid hub request (" + route.problem() + "): " + query.rawPath(), head));
            return;
        }
        if (!readOnly && !(route.kind() == HubRoute.Kind.API && method.equals(HttpMethod.POST)))
        {
            HttpRelay.reply(channel, keepAlive, HubErrors.response(HttpResponseStatus.METHOD_NOT_ALLOWED,
                "MethodNotAllowed", "this is a read-only hub proxy: " + method + " " + query.rawPath() +
                " is not supported", head));
            return;
        }
        final URI upstream = query.rawPath().startsWith("/api/v1/") ? ctx.modelscopeUpstream() : ctx.hfUpstream();
        final URI target = URI.create(upstream + request.uri());
        final Matcher modelscope = MODELSCOPE_FILE.matcher(query.rawPath());
        final boolean modelscopeFile = readOnly && modelscope.matches() && query.parameters().containsKey("FilePath");
        if (route.kind() != HubRoute.Kind.RESOLVE && !modelscopeFile)
        {
            passThrough(channel, request, upstream, target, keepAlive);
            return;
        }
        final String rangeHeader = request.headers().get(HttpHeaderNames.RANGE);
        final ByteRange range = rangeHeader == null ? null : ByteRange.parse(rangeHeader);
        if (rangeHeader != null && range == null)
        {
            HttpRelay.reply(channel, keepAlive, HubErrors.response(HttpResponseStatus.BAD_REQUEST, "BadRequest",
                "unsupported Range header (one range of bytes=N-, N-M or -S): " + rangeHeader, head));
            return;
        }
        if (modelscopeFile)
        {
            modelscopeFile(channel, request, modelscope.group(1), query, range, keepAlive);
            return;
        }
        resolve(channel, request, route, upstream, target, range, keepAlive);
    }

    /**
     * A ModelScope file download: its listing (with the caller's token, the access check) names the file's sha256
     * and commit; the bytes then come from the task as for a Hugging Face file.
     */
    private void modelscopeFile(
        final ChannelHandlerContext channel,
        final FullHttpRequest request,
        final String rawRepoId,
        final QueryStringDecoder query,
        final ByteRange range,
        final boolean keepAlive)
    {
        final boolean head = request.method().equals(HttpMethod.HEAD);
        final String repoId = URLDecoder.decode(rawRepoId, StandardCharsets.UTF_8);
        final String revision = first(query, "Revision", ModelScopeApi.DEFAULT_REVISION);
        final String path = first(query, "FilePath", "");
        if (!HubNames.isValidRepoId(repoId) || !HubNames.isValidRevision(revision) || !HubNames.isSafePath(path))
        {
            HttpRelay.reply(channel, keepAlive, HubErrors.response(HttpResponseStatus.BAD_REQUEST, "BadRequest",
                "not a valid ModelScope file request (repository, Revision or FilePath): " + request.uri(), head));
            return;
        }
        final String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        modelscopeFiles.find(repoId, revision, path, authorization).whenComplete((file, error) ->
            channel.executor().execute(() ->
            {
                if (error != null)
                {
                    final Throwable cause = HttpRelay.cause(error);
                    HttpRelay.reply(channel, keepAlive, cause instanceof StarlingException ?
                        HubErrors.forFailure((StarlingException)cause, head) : unreachable(ctx.modelscopeUpstream(),
                        cause, head));
                }
                else if (file == null)
                {
                    HttpRelay.reply(channel, keepAlive, HubErrors.response(HttpResponseStatus.NOT_FOUND,
                        "EntryNotFound", path + " is not in ModelScope model " + repoId + " at " + revision, head));
                }
                else
                {
                    serve(channel, file, modelscopeFiles.downloadUrl(file), authorization, range, head, keepAlive);
                }
            }));
    }

    private static String first(final QueryStringDecoder query, final String name, final String fallback)
    {
        final List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() || values.get(0).isEmpty() ? fallback : values.get(0);
    }

    /**
     * Finds the file's metadata (cached, or from the upstream's answer to the caller's own {@code HEAD}), then
     * answers.
     */
    private void resolve(
        final ChannelHandlerContext channel,
        final FullHttpRequest request,
        final HubRoute route,
        final URI upstream,
        final URI target,
        final ByteRange range,
        final boolean keepAlive)
    {
        final boolean head = request.method().equals(HttpMethod.HEAD);
        final String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        final String fileKey = upstream + " " + route.type().apiSegment() + " " + route.repoId() + " " +
            route.revision() + " " + route.path();
        final String accessKey = AccessCache.key(fileKey, authorization);
        final long nowMs = System.currentTimeMillis();
        final FileMetadata cached = metadata.get(fileKey, nowMs);
        if (cached != null && (!ctx.authCheck() || access.isConfirmed(accessKey, nowMs)))
        {
            serve(channel, cached.file(), HubApi.fileUrl(upstream.toString(), cached.file()), authorization, range,
                head, keepAlive);
            return;
        }
        final HttpRequest check = HttpRelay.upstreamRequest(request, target, "HEAD", UPSTREAM_TIMEOUT, NOT_CHECKED);
        client.sendAsync(check, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) ->
            channel.executor().execute(() ->
            {
                if (error != null)
                {
                    HttpRelay.reply(channel, keepAlive, unreachable(upstream, error, head));
                    return;
                }
                final int status = response.statusCode();
                final FileMetadata found = status / 100 == 2 || status / 100 == 3 ?
                    FileMetadata.of(route, response.headers()) : null;
                if (found == null)
                {
                    // The caller's own answer: 401/403 (gated, private), 404 (no such revision or file), or a
                    // redirect that is not to storage (a renamed repository).
                    final FullHttpResponse answer = HttpRelay.response(status, rewrite(response.headers(), upstream,
                        request), new byte[0], true, NOT_RETURNED);
                    if (!head)
                    {
                        answer.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                    }
                    HttpRelay.reply(channel, keepAlive, answer);
                    return;
                }
                final long now = System.currentTimeMillis();
                metadata.put(fileKey, found, now);
                access.confirm(accessKey, now);
                serve(channel, found.file(), HubApi.fileUrl(upstream.toString(), found.file()), authorization,
                    range, head, keepAlive);
            }));
    }

    private void serve(
        final ChannelHandlerContext channel,
        final HubFile file,
        final URI source,
        final String authorization,
        final ByteRange range,
        final boolean head,
        final boolean keepAlive)
    {
        final FileResponses responses = new FileResponses(file);
        if (head)
        {
            HttpRelay.reply(channel, keepAlive, headResponse(file, range, responses));
            return;
        }
        final List<Map.Entry<String, String>> headers = new ArrayList<>();
        if (authorization != null)
        {
            // The token reaches only the upstream (and not the storage host it redirects to).
            headers.add(new AbstractMap.SimpleImmutableEntry<>("Authorization", authorization));
        }
        final DownloadRequest download = new DownloadRequest(new SourceRequest(source, headers, null),
            file.taskId(), file.expectedDigest()).streamed();
        stream(new TaskStream(channel, node, download, file.repoId() + "/" + file.path(), range, keepAlive,
            responses));
    }

    private static FullHttpResponse headResponse(final HubFile file, final ByteRange range, final FileResponses responses)
    {
        final long length = file.sizeBytes();
        final FullHttpResponse r;
        if (range == null)
        {
            r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        else if (!range.satisfiable(length))
        {
            r = responses.rangeNotSatisfiable(range, length);
            r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
            return r;
        }
        else
        {
            final long first = range.first(length);
            final long last = range.last(length);
            r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PARTIAL_CONTENT,
                Unpooled.EMPTY_BUFFER);
            r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes " + first + "-" + last + "/" + length);
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, last - first + 1);
        }
        r.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        responses.decorate(r.headers());
        return r;
    }

    private void passThrough(
        final ChannelHandlerContext channel,
        final FullHttpRequest request,
        final URI upstream,
        final URI target,
        final boolean keepAlive)
    {
        final boolean head = request.method().equals(HttpMethod.HEAD);
        client.sendAsync(HttpRelay.upstreamRequest(request, target, request.method().name(), UPSTREAM_TIMEOUT,
            NOT_PASSED), HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, error) ->
            channel.executor().execute(() ->
            {
                if (error != null)
                {
                    HttpRelay.reply(channel, keepAlive, unreachable(upstream, error, head));
                    return;
                }
                HttpRelay.reply(channel, keepAlive, HttpRelay.response(response.statusCode(),
                    rewrite(response.headers(), upstream, request), response.body(), head, NOT_RETURNED));
            }));
    }

    /**
     * The upstream's headers with its own absolute URLs in {@code Link} (tree pagination) and {@code Location}
     * turned into this endpoint's, as the caller addressed it, and Xet's {@code Link rel="xet-auth"} dropped.
     */
    private static Map<String, List<String>> rewrite(
        final HttpHeaders headers, final URI upstream, final FullHttpRequest request)
    {
        final String host = request.headers().get(HttpHeaderNames.HOST);
        final String self = host == null ? null : "http://" + host;
        final Map<String, List<String>> out = new LinkedHashMap<>();
        for (final Map.Entry<String, List<String>> h : headers.map().entrySet())
        {
            final String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!name.equals("link") && !name.equals("location") || self == null)
            {
                out.put(h.getKey(), h.getValue());
                continue;
            }
            final List<String> values = new ArrayList<>();
            for (final String v : h.getValue())
            {
                if (name.equals("link") && v.contains("xet-"))
                {
                    continue;
                }
                values.add(v.replace(upstream.toString(), self));
            }
            if (!values.isEmpty())
            {
                out.put(h.getKey(), values);
            }
        }
        return out;
    }

    private FullHttpResponse unreachable(final URI upstream, final Throwable error, final boolean head)
    {
        final Throwable cause = HttpRelay.cause(error);
        node.metrics().onError(ErrorCode.ORIGIN_UNREACHABLE.name());
        LOG.info("hub {} unreachable: {}", upstream, cause.toString());
        return HubErrors.response(HttpResponseStatus.BAD_GATEWAY, "Unavailable",
            "the hub " + upstream + " is unreachable: " + cause, head);
    }
}
