package dev.starling.ociproxy;

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
 * Registry-style error responses: {@code {"errors":[{"code":"...","message":"...","detail":null}]}}, as the OCI
 * distribution spec defines them, so that runtimes print a useful message.
 */
final class RegistryErrors
{
    private RegistryErrors()
    {
    }

    /**
     * @param status  the HTTP status.
     * @param code    the registry error code (NAME_INVALID, DIGEST_INVALID, BLOB_UNKNOWN, UNSUPPORTED, ...).
     * @param message what went wrong, for a person.
     * @return the response; ownership transfers to the caller.
     */
    static FullHttpResponse response(final HttpResponseStatus status, final String code, final String message)
    {
        final String json = "{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + HttpRelay.jsonEscape(message) +
            "\",\"detail\":null}]}";
        final ByteBuf body = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        final FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        r.headers().set("Docker-Distribution-API-Version", "registry/2.0");
        return r;
    }
}
