package dev.starling.dataplane.source.http;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.source.BodySink;
import dev.starling.dataplane.source.SourceMetadata;
import dev.starling.dataplane.source.SourceRequest;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One logical origin request: the first HTTP request and the redirects that follow it. Its response callbacks run
 * on the event loop of the connection that carries it; one connection carries one exchange at a time.
 */
final class Exchange
{
    enum Kind
    {
        HEAD_PROBE, RANGE_PROBE, RANGE, WHOLE
    }

    /** What the connection should do once a response head has been seen. */
    enum Next
    {
        /** Stream the body into the exchange. */
        READ_BODY,
        /** The exchange is over or moved elsewhere: close this connection. */
        CLOSE
    }

    private final HttpSourceBackend backend;
    private final SourceRequest request;
    private final BodySink sink;
    private final CompletableFuture<SourceMetadata> probeResult;
    private final long offset;
    private final long length;
    private Kind kind;
    private URI url;
    private List<Map.Entry<String, String>> headers;
    private int redirects;
    private long delivered;
    private long limit;
    private boolean keepAlive;
    private boolean truncateAtLimit;
    private boolean done;
    private SourceMetadata pendingProbe;

    Exchange(
        final HttpSourceBackend backend,
        final SourceRequest request,
        final Kind kind,
        final long offset,
        final long length,
        final BodySink sink,
        final CompletableFuture<SourceMetadata> probeResult)
    {
        this.backend = backend;
        this.request = request;
        this.kind = kind;
        this.offset = offset;
        this.length = length;
        this.sink = sink;
        this.probeResult = probeResult;
        this.url = request.url();
        this.headers = request.headers();
    }

    void start()
    {
        final String scheme = HttpSourceBackend.scheme(url);
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null)
        {
            fail(new StarlingException(ErrorCode.BAD_URL, "not an http(s) URL with a host: " + displayUrl()));
            return;
        }
        send();
    }

    private void send()
    {
        final FullHttpRequest req = HttpSourceBackend.newRequest(
            kind == Kind.HEAD_PROBE ? HttpMethod.HEAD : HttpMethod.GET, url, headers);
        if (kind == Kind.RANGE_PROBE)
        {
            req.headers().set(HttpHeaderNames.RANGE, "bytes=0-0");
        }
        else if (kind == Kind.RANGE)
        {
            req.headers().set(HttpHeaderNames.RANGE, "bytes=" + offset + "-" + (offset + length - 1));
        }
        backend.send(url, req, this);
    }

    /**
     * @return the URL without its query (signed URLs carry secrets there).
     */
    String displayUrl()
    {
        final String s = url.toString();
        final int q = s.indexOf('?');
        return q < 0 ? s : s.substring(0, q) + "?…";
    }

    Next onResponse(final HttpResponse response)
    {
        if (done)
        {
            return Next.CLOSE;
        }
        final int status = response.status().code();
        final HttpHeaders h = response.headers();
        keepAlive = HttpUtil.isKeepAlive(response);
        if (status >= 300 && status < 400 && status != 304 && h.contains(HttpHeaderNames.LOCATION))
        {
            redirect(h.get(HttpHeaderNames.LOCATION));
            return Next.CLOSE;
        }
        final String etag = h.get(HttpHeaderNames.ETAG);
        switch (kind)
        {
            case HEAD_PROBE:
                return onHeadProbe(response, status, h, etag);
            case RANGE_PROBE:
                return onRangeProbe(response, status, h, etag);
            default:
                return onFetch(status, h, etag);
        }
    }

    private Next onHeadProbe(final HttpResponse response, final int status, final HttpHeaders h, final String etag)
    {
        final long contentLength = HttpUtil.getContentLength(response, -1L);
        final boolean ranges = "bytes".equalsIgnoreCase(h.get(HttpHeaderNames.ACCEPT_RANGES));
        if (status >= 200 && status < 300 && contentLength >= 0 && ranges)
        {
            pendingProbe = new SourceMetadata(contentLength, true, etag, url);
            limit = 0;
            return Next.READ_BODY;
        }
        // HEAD unsupported, refused (signed GET URLs answer HEAD with 403), or not conclusive: ask with a GET.
        kind = Kind.RANGE_PROBE;
        send();
        return Next.CLOSE;
    }

    private Next onRangeProbe(final HttpResponse response, final int status, final HttpHeaders h, final String etag)
    {
        if (status == 206)
        {
            final long total = totalFromContentRange(h.get(HttpHeaderNames.CONTENT_RANGE));
            pendingProbe = new SourceMetadata(total, total >= 0, etag, url);
            limit = Long.MAX_VALUE;
            return Next.READ_BODY;
        }
        if (status == 416)
        {
            final long total = totalFromContentRange(h.get(HttpHeaderNames.CONTENT_RANGE));
            complete(new SourceMetadata(total == -1 ? 0 : total, true, etag, url));
            return Next.CLOSE;
        }
        if (status >= 200 && status < 300)
        {
            complete(new SourceMetadata(HttpUtil.getContentLength(response, -1L), false, etag, url));
            return Next.CLOSE;
        }
        fail(statusError(status));
        return Next.CLOSE;
    }

    private Next onFetch(final int status, final HttpHeaders h, final String etag)
    {
        if (request.expectedEtag() != null && etag != null && !request.expectedEtag().equals(etag))
        {
            fail(new StarlingException(ErrorCode.CONTENT_CHANGED, "origin content of " + displayUrl() +
                " changed during the download (ETag " + request.expectedEtag() + " → " + etag + "); run again to fetch the new content"));
            return Next.CLOSE;
        }
        if (kind == Kind.RANGE && status == 206)
        {
            final long start = startFromContentRange(h.get(HttpHeaderNames.CONTENT_RANGE));
            if (start != offset)
            {
                fail(new StarlingException(ErrorCode.ORIGIN_TRANSFER, "origin answered bytes from " + start +
                    " when asked for " + offset + " of " + displayUrl()));
                return Next.CLOSE;
            }
            limit = length;
            return Next.READ_BODY;
        }
        if (status == 200 && (kind == Kind.WHOLE || offset == 0))
        {
            limit = kind == Kind.WHOLE ? Long.MAX_VALUE : length;
            truncateAtLimit = kind == Kind.RANGE;
            return Next.READ_BODY;
        }
        if (status == 200)
        {
            fail(new StarlingException(ErrorCode.ORIGIN_ERROR, "origin ignored the Range header for " + displayUrl()));
            return Next.CLOSE;
        }
        if (status == 416)
        {
            fail(new StarlingException(ErrorCode.CONTENT_CHANGED, "origin content of " + displayUrl() +
                " is shorter than when the download started"));
            return Next.CLOSE;
        }
        fail(statusError(status));
        return Next.CLOSE;
    }

    /**
     * @return true when the exchange has all it wants and the connection should be closed now.
     */
    boolean onBody(final ByteBuf content)
    {
        if (done)
        {
            return true;
        }
        final int readable = content.readableBytes();
        final int n = (int)Math.min(readable, limit - delivered);
        if (n > 0 && sink != null)
        {
            if (content.nioBufferCount() == 1)
            {
                sink.onBody(content.internalNioBuffer(content.readerIndex(), n));
            }
            else
            {
                for (final ByteBuffer b : content.nioBuffers(content.readerIndex(), n))
                {
                    sink.onBody(b);
                }
            }
        }
        delivered += n;
        if (truncateAtLimit && delivered == limit)
        {
            // A 200 to a range request at offset 0: the first piece is all we wanted.
            finishFetch();
            return true;
        }
        if (n < readable)
        {
            fail(new StarlingException(ErrorCode.ORIGIN_TRANSFER, "origin sent more than the " + length +
                " bytes asked for at offset " + offset + " of " + displayUrl()));
            return true;
        }
        return false;
    }

    /**
     * @return true when the connection may carry another exchange.
     */
    boolean onLast()
    {
        if (done)
        {
            return false;
        }
        if (pendingProbe != null)
        {
            complete(pendingProbe);
            return keepAlive;
        }
        if (kind == Kind.RANGE && delivered != length)
        {
            fail(new StarlingException(ErrorCode.ORIGIN_TRANSFER, "origin sent " + delivered + " of " + length +
                " bytes at offset " + offset + " of " + displayUrl()));
            return false;
        }
        finishFetch();
        return keepAlive;
    }

    private void finishFetch()
    {
        if (!done)
        {
            done = true;
            sink.onComplete(delivered);
        }
    }

    private void redirect(final String location)
    {
        if (++redirects > backend.ctx().maxRedirects())
        {
            fail(new StarlingException(ErrorCode.ORIGIN_ERROR, "more than " + backend.ctx().maxRedirects() +
                " redirects from " + displayUrl()));
            return;
        }
        final URI next;
        try
        {
            next = url.resolve(new URI(location));
        }
        catch (final URISyntaxException | IllegalArgumentException ex)
        {
            fail(new StarlingException(ErrorCode.ORIGIN_ERROR, "origin redirected " + displayUrl() +
                " to a malformed location: " + location));
            return;
        }
        final String scheme = HttpSourceBackend.scheme(next);
        if (!scheme.equals("http") && !scheme.equals("https") || next.getHost() == null)
        {
            fail(new StarlingException(ErrorCode.ORIGIN_ERROR, "origin redirected " + displayUrl() +
                " to an unsupported location: " + location));
            return;
        }
        if (!sameOrigin(url, next))
        {
            final List<Map.Entry<String, String>> kept = new ArrayList<>();
            for (final Map.Entry<String, String> e : headers)
            {
                final String name = e.getKey().toLowerCase(Locale.ROOT);
                if (!name.equals("authorization") && !name.equals("cookie") && !name.equals("proxy-authorization"))
                {
                    kept.add(e);
                }
            }
            headers = kept;
        }
        url = next;
        delivered = 0;
        send();
    }

    private static boolean sameOrigin(final URI a, final URI b)
    {
        return HttpSourceBackend.scheme(a).equals(HttpSourceBackend.scheme(b)) &&
            a.getHost().equalsIgnoreCase(b.getHost()) && HttpSourceBackend.port(a) == HttpSourceBackend.port(b);
    }

    private StarlingException statusError(final int status)
    {
        if (status == 404 || status == 410)
        {
            return new StarlingException(ErrorCode.ORIGIN_NOT_FOUND, "origin returned " + status + " for " +
                displayUrl() + ": check the URL");
        }
        if (status == 401 || status == 403)
        {
            return new StarlingException(ErrorCode.ORIGIN_DENIED, "origin returned " + status + " for " +
                displayUrl() + ": check the credentials (--header 'Authorization: …')");
        }
        return new StarlingException(ErrorCode.ORIGIN_ERROR, "origin returned " + status + " for " + displayUrl());
    }

    void fail(final StarlingException error)
    {
        if (done)
        {
            return;
        }
        done = true;
        if (probeResult != null)
        {
            probeResult.completeExceptionally(error);
        }
        else
        {
            sink.onError(error);
        }
    }

    private void complete(final SourceMetadata metadata)
    {
        if (!done)
        {
            done = true;
            probeResult.complete(metadata);
        }
    }

    static long totalFromContentRange(final String contentRange)
    {
        if (contentRange == null)
        {
            return -1;
        }
        final int slash = contentRange.lastIndexOf('/');
        if (slash < 0 || contentRange.endsWith("*"))
        {
            return -1;
        }
        try
        {
            return Long.parseLong(contentRange.substring(slash + 1).trim());
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }

    static long startFromContentRange(final String contentRange)
    {
        if (contentRange == null || !contentRange.startsWith("bytes "))
        {
            return -1;
        }
        final int dash = contentRange.indexOf('-');
        try
        {
            return Long.parseLong(contentRange.substring(6, dash).trim());
        }
        catch (final RuntimeException ex)
        {
            return -1;
        }
    }
}
