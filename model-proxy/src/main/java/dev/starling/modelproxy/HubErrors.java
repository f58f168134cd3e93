package dev.starling.modelproxy;

import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.serve.HttpRelay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;

/**
 * Hub-style error responses, as huggingface.co sends them: a JSON body {@code {"error":"..."}} and the
 * {@code X-Error-Code} / {@code X-Error-Message} headers that the official clients turn into their exceptions.
 */
final class HubErrors
{
    private HubErrors()
    {
    }

    /**
     * @param status  the HTTP status.
     * @param code    the hub error code ({@code BadRequest}, {@code EntryNotFound}, {@code Unavailable}, ...).
     * @param message what went wrong, for a person.
     * @param head    whether this answers a {@code HEAD} (no body).
     * @return the response; ownership transfers to the caller.
     */
    static FullHttpResponse response(
        final HttpResponseStatus status, final String code, final String message, final boolean head)
    {
        final String json = "{\"error\":\"" + HttpRelay.jsonEscape(message) + "\"}";
        final ByteBuf body = head ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        final FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        r.headers().set("X-Error-Code", code);
        r.headers().set("X-Error-Message", headerSafe(message));
        return r;
    }

    /**
     * @param failure why a file could not be read from the hub.
     * @param head    whether this answers a {@code HEAD} (no body).
     * @return the hub-style response: 404 for a missing file or repository, 401 for a caller without access, else
     * 502; ownership transfers to the caller.
     */
    static FullHttpResponse forFailure(final StarlingException failure, final boolean head)
    {
        switch (failure.code())
        {
            case ORIGIN_NOT_FOUND:
                return response(HttpResponseStatus.NOT_FOUND, "EntryNotFound", failure.getMessage(), head);
            case ORIGIN_DENIED:
                return response(HttpResponseStatus.UNAUTHORIZED, "Unauthorized", failure.getMessage(), head);
            default:
                return response(HttpResponseStatus.BAD_GATEWAY, "Unavailable",
                    "the hub could not be read: " + failure.describe(), head);
        }
    }

    private static String headerSafe(final String s)
    {
        final StringBuilder b = new StringBuilder(Math.min(s.length(), 512));
        for (int i = 0; i < s.length() && b.length() < 512; i++)
        {
            final char c = s.charAt(i);
            b.append(c < 0x20 || c > 0x7e ? ' ' : c);
        }
        return b.toString();
    }
}
