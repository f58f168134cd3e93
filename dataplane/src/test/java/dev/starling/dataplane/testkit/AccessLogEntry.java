package dev.starling.dataplane.testkit;

/**
 * One line of a real server's access log: the one {@link NginxOrigin} configures nginx to write, or the registry's
 * combined-format log that {@link RegistryFixture} reads.
 * <p>
 * nginx writes the line when a request ends, including a request whose client went away mid-body: such a line keeps
 * the status it started with (200 or 206) and records only the bytes nginx handed to the kernel before it noticed.
 *
 * @param method        request method, for example {@code GET}; empty for a request line nginx could not parse.
 * @param uri           the request target as the client sent it ({@code $request_uri}): path and query, still
 *                      percent-encoded; bytes outside printable ASCII appear as nginx's {@code \xHH} escapes.
 * @param status        response status code.
 * @param bodyBytesSent response body bytes sent ({@code $body_bytes_sent}); for a chunked response this includes the
 *                      chunk framing. For the registry, the body bytes its handler wrote; on a HEAD
 *                      that can be an error body the client never received.
 * @param range         the request's {@code Range} header, or {@code null} when it had none or the server's log does
 *                      not record it (the registry's does not).
 */
public record AccessLogEntry(String method, String uri, int status, long bodyBytesSent, String range)
{
    /**
     * @return {@link #uri()} without its query string.
     */
    public String path()
    {
        final int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }
}
