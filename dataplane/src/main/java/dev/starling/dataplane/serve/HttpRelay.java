package dev.starling.dataplane.serve;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Passing requests through to an upstream and its answers back, for the front ends' pass-through paths (registry
 * manifests, hub API calls): the client's headers go upstream minus hop-by-hop ones, and the upstream's status,
 * headers and body come back unchanged minus hop-by-hop ones. Stateless.
 */
public final class HttpRelay
{
    /** Headers that belong to one connection (RFC 9110 7.6.1) or that the HTTP stacks set themselves. */
    public static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
        "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect",
        "http2-settings");

    private HttpRelay()
    {
    }

    /**
     * The upstream request for a client's request.
     *
     * @param request  the client's request; caller retains. Its body is sent for methods that carry one.
     * @param upstream the upstream URI.
     * @param method   the method to use.
     * @param timeout  how long the upstream may take to answer.
     * @param dropped  further header names (lower case) not to pass.
     * @return the request.
     */
    public static HttpRequest upstreamRequest(
        final FullHttpRequest request,
        final URI upstream,
        final String method,
        final Duration timeout,
        final Predicate<String> dropped)
    {
        final HttpRequest.BodyPublisher body = request.content().isReadable() ?
            HttpRequest.BodyPublishers.ofByteArray(ByteBufUtil.getBytes(request.content())) :
            HttpRequest.BodyPublishers.noBody();
        final HttpRequest.Builder b = HttpRequest.newBuilder(upstream).timeout(timeout).method(method, body);
        for (final Map.Entry<String, String> h : request.headers())
        {
            final String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !dropped.test(name))
            {
                b.header(h.getKey(), h.getValue());
            }
        }
        return b.build();
    }

    /**
     * The client's response for an upstream answer.
     *
     * @param status  the upstream's status.
     * @param headers the upstream's headers.
     * @param body    the upstream's body.
     * @param head    whether this answers a {@code HEAD} (the upstream's {@code Content-Length} is kept, no body).
     * @param dropped further header names (lower case) not to pass back.
     * @return the response; ownership transfers to the caller.
     */
    public static FullHttpResponse response(
        final int status,
        final Map<String, List<String>> headers,
        final byte[] body,
        final boolean head,
        final Predicate<String> dropped)
    {
        final FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        for (final Map.Entry<String, List<String>> h : headers.entrySet())
        {
            final String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith(":") || dropped.test(name) ||
                (HOP_BY_HOP.contains(name) && !(head && name.equals("content-length"))))
            {
                continue;
            }
            r.headers().add(h.getKey(), h.getValue());
        }
        if (!head)
        {
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
        return r;
    }

    /**
     * Sends a complete response, keeping the connection open when the client asked for that.
     *
     * @param channel   the client's connection.
     * @param keepAlive whether to keep the connection open.
     * @param response  the response; ownership transfers.
     */
    public static void reply(final ChannelHandlerContext channel, final boolean keepAlive, final FullHttpResponse response)
    {
        if (keepAlive)
        {
            HttpUtil.setKeepAlive(response, true);
            channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
        else
        {
            channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * @param s text for a JSON string literal (an error message).
     * @return the text with quotes and backslashes escaped and control characters replaced by spaces.
     */
    public static String jsonEscape(final String s)
    {
        final StringBuilder b = new StringBuilder(s.length());
        for (final char c : s.toCharArray())
        {
            if (c == '"' || c == '\\')
            {
                b.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                b.append(' ');
            }
            else
            {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * @param error an upstream call's failure (possibly wrapped in a {@code CompletionException}).
     * @return the cause a person should read.
     */
    public static Throwable cause(final Throwable error)
    {
        return error.getCause() != null ? error.getCause() : error;
    }
}
