package dev.starling.ociproxy;

import dev.starling.dataplane.download.DownloadRequest;
import dev.starling.dataplane.node.NodeServices;
import dev.starling.dataplane.serve.AccessCache;
import dev.starling.dataplane.serve.ByteRange;
import dev.starling.dataplane.serve.HttpRelay;
import dev.starling.dataplane.serve.StreamingHandler;
import dev.starling.dataplane.serve.TaskStream;
import dev.starling.dataplane.source.SourceRequest;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.TaskId;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Answers one mirror connection's requests on its event loop.
 * <ul>
 *     <li>{@code GET} of a sha256 blob: checks with the upstream that this client may read it (its own
 *     credentials, cached briefly), then streams the blob from its task ({@link TaskStream}), which the node
 *     downloads through the swarm or from the upstream.</li>
 *     <li>Everything else ({@code /v2/}, manifests, tags, {@code HEAD} of a blob): passed to the upstream with the
 *     client's headers; status, headers and body come back unchanged, so a 401 with {@code WWW-Authenticate} starts
 *     the runtime's own token flow.</li>
 *     <li>Malformed names, digests, ranges or requests: 400 with a registry-style error body. Methods other than
 *     GET and HEAD: 405 (a pull-through mirror takes no pushes).</li>
 * </ul>
 */
final class MirrorHandler extends StreamingHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(MirrorHandler.class);
    private static final String REGISTRY_HEADER = Upstreams.REGISTRY_HEADER.toLowerCase(Locale.ROOT);
    private static final Predicate<String> NOT_PASSED = REGISTRY_HEADER::equals;
    private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(30);

    private final OciProxyContext ctx;
    private final NodeServices node;
    private final Upstreams upstreams;
    private final AccessCache authCache;
    private final MirrorMetrics metrics;

    MirrorHandler(
        final OciProxyContext ctx,
        final NodeServices node,
        final Upstreams upstreams,
        final AccessCache authCache,
        final MirrorMetrics metrics)
    {
        super("mirror");
        this.ctx = ctx;
        this.node = node;
        this.upstreams = upstreams;
        this.authCache = authCache;
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext channel, final FullHttpRequest request)
    {
        if (request.decoderResult().isFailure())
        {
            reply(channel, false, RegistryErrors.response(HttpResponseStatus.BAD_REQUEST, "UNSUPPORTED",
                "malformed request: " + request.decoderResult().cause().getMessage()));
            return;
        }
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        final HttpMethod method = request.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD))
        {
            reply(channel, keepAlive, RegistryErrors.response(HttpResponseStatus.METHOD_NOT_ALLOWED, "UNSUPPORTED",
                "this is a pull-through mirror: " + method + " is not supported"));
            return;
        }
        final QueryStringDecoder query = new QueryStringDecoder(request.uri());
        final RegistryRoute route = RegistryRoute.parse(query.path());
        if (route.kind() == RegistryRoute.Kind.INVALID)
        {
            reply(channel, keepAlive, RegistryErrors.response(route.reference().equals("NAME_UNKNOWN") ?
                HttpResponseStatus.NOT_FOUND : HttpResponseStatus.BAD_REQUEST, route.reference(),
                "not a valid distribution API request: " + query.path()));
            return;
        }
        final List<String> ns = query.parameters().get("ns");
        final CompletableFuture<URI> resolved = upstreams.resolve(ns == null || ns.isEmpty() ? null : ns.get(0),
            request.headers().get(Upstreams.REGISTRY_HEADER));
        if (resolved.isDone())
        {
            onRegistry(channel, request, query, route, resolved.join(), keepAlive);
            return;
        }
        // An insecure registry's first request: its scheme is being probed.
        request.retain();
        resolved.thenAccept(registry -> channel.executor().execute(() ->
        {
            try
            {
                onRegistry(channel, request, query, route, registry, keepAlive);
            }
            finally
            {
                request.release();
            }
        }));
    }

    private void onRegistry(
        final ChannelHandlerContext channel,
        final FullHttpRequest request,
        final QueryStringDecoder query,
        final RegistryRoute route,
        final URI registry,
        final boolean keepAlive)
    {
        final HttpMethod method = request.method();
        if (registry == null)
        {
            reply(channel, keepAlive, RegistryErrors.response(HttpResponseStatus.BAD_REQUEST, "UNSUPPORTED",
                "the upstream registry named by ns= or " + Upstreams.REGISTRY_HEADER + " is not a host[:port]"));
            return;
        }
        final URI upstream = upstreamUri(registry, query);
        if (route.isTaskBlob() && method.equals(HttpMethod.GET))
        {
            final String rangeHeader = request.headers().get(HttpHeaderNames.RANGE);
            final ByteRange range = rangeHeader == null ? null : ByteRange.parse(rangeHeader);
            if (rangeHeader != null && range == null)
            {
                reply(channel, keepAlive, RegistryErrors.response(HttpResponseStatus.BAD_REQUEST, "RANGE_INVALID",
                    "unsupported Range header (one range of bytes=N-, N-M or -S): " + rangeHeader));
                return;
            }
            if (range != null)
            {
                metrics.onRangedRequest();
            }
            final String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (ctx.authCheck())
            {
                checkThenStream(channel, request, registry, route, upstream, range, authorization, keepAlive);
            }
            else
            {
                streamBlob(channel, route, upstream, range, authorization, keepAlive);
            }
            return;
        }
        passThrough(channel, request, upstream, keepAlive);
    }

    private static URI upstreamUri(final URI registry, final QueryStringDecoder query)
    {
        final StringBuilder q = new StringBuilder();
        for (final Map.Entry<String, List<String>> e : query.parameters().entrySet())
        {
            if (e.getKey().equals("ns"))
            {
                continue;
            }
            for (final String v : e.getValue())
            {
                q.append(q.length() == 0 ? '?' : '&').append(QueryEncoding.encode(e.getKey())).append('=')
                    .append(QueryEncoding.encode(v));
            }
        }
        return URI.create(registry + query.rawPath() + q);
    }

    /**
     * Asks the upstream, with the client's own credentials, whether it may read the blob; on success (or a
     * recent one) streams it, else hands the upstream's answer (401 with WWW-Authenticate, 403, 404) back.
     */
    private void checkThenStream(
        final ChannelHandlerContext channel,
        final FullHttpRequest request,
        final URI registry,
        final RegistryRoute route,
        final URI upstream,
        final ByteRange range,
        final String authorization,
        final boolean keepAlive)
    {
        final String key = AccessCache.key(registry + " " + route.name() + " " + route.reference(), authorization);
        if (authCache.isConfirmed(key, System.currentTimeMillis()))
        {
            streamBlob(channel, route, upstream, range, authorization, keepAlive);
            return;
        }
        final HttpRequest head = upstreamRequest(request, upstream, "HEAD");
        upstreams.client(upstream).sendAsync(head, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) ->
            channel.executor().execute(() ->
            {
                if (error != null)
                {
                    reply(channel, keepAlive, unreachable(registry, error));
                }
                else if (response.statusCode() / 100 == 2 || response.statusCode() / 100 == 3)
                {
                    authCache.confirm(key, System.currentTimeMillis());
                    streamBlob(channel, route, upstream, range, authorization, keepAlive);
                }
                else
                {
                    // The client's own answer: 401 (with the challenge), 403, 404.
                    final FullHttpResponse denied = HttpRelay.response(response.statusCode(), response.headers().map(),
                        new byte[0], false, NOT_PASSED);
                    denied.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                    reply(channel, keepAlive, denied);
                }
            }));
    }

    private void streamBlob(
        final ChannelHandlerContext channel,
        final RegistryRoute route,
        final URI upstream,
        final ByteRange range,
        final String authorization,
        final boolean keepAlive)
    {
        final Digest digest = Digest.parse(route.reference());
        final List<Map.Entry<String, String>> headers = new ArrayList<>();
        if (authorization != null)
        {
            headers.add(new AbstractMap.SimpleImmutableEntry<>("Authorization", authorization));
        }
        final DownloadRequest download = new DownloadRequest(new SourceRequest(upstream, headers, null),
            TaskId.ofDigest(digest), digest).streamed();
        stream(new TaskStream(channel, node, download, "blob " + route.reference(), range, keepAlive,
            new BlobResponses(route.reference())));
    }

    private void passThrough(
        final ChannelHandlerContext channel, final FullHttpRequest request, final URI upstream, final boolean keepAlive)
    {
        final boolean head = request.method().equals(HttpMethod.HEAD);
        upstreams.client(upstream).sendAsync(upstreamRequest(request, upstream, request.method().name()),
            HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, error) -> channel.executor().execute(() ->
            {
                if (error != null)
                {
                    reply(channel, keepAlive, unreachable(URI.create(upstream.getScheme() + "://" +
                        upstream.getRawAuthority()), error));
                    return;
                }
                reply(channel, keepAlive, HttpRelay.response(response.statusCode(), response.headers().map(),
                    response.body(), head, NOT_PASSED));
            }));
    }

    private static HttpRequest upstreamRequest(final FullHttpRequest request, final URI upstream, final String method)
    {
        return HttpRelay.upstreamRequest(request, upstream, method, UPSTREAM_TIMEOUT, NOT_PASSED);
    }

    private FullHttpResponse unreachable(final URI registry, final Throwable error)
    {
        node.metrics().onError(dev.starling.dataplane.error.ErrorCode.ORIGIN_UNREACHABLE.name());
        final String message = upstreams.describeFailure(registry, error);
        LOG.info("{}", message);
        return RegistryErrors.response(HttpResponseStatus.BAD_GATEWAY, "UNAVAILABLE", message);
    }

    private static void reply(final ChannelHandlerContext channel, final boolean keepAlive, final FullHttpResponse r)
    {
        HttpRelay.reply(channel, keepAlive, r);
    }
}
