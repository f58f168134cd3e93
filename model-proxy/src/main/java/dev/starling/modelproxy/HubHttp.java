package dev.starling.modelproxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The HTTP side shared by the hub clients: one upstream, one {@link HttpClient}, an optional token that is sent only
 * to the upstream's own scheme, host and port (never to a host a response points elsewhere), and the mapping of
 * transport failures to error codes. Immutable; thread-safe as {@link HttpClient} is.
 */
final class HubHttp
{
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern SHA1_HEX = Pattern.compile("^[0-9a-f]{40}$");
    static final Pattern SHA256_HEX = Pattern.compile("^[0-9a-f]{64}$");
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final URI upstream;
    private final String base;
    private final HttpClient http;
    private final String token;

    HubHttp(final URI upstream, final HttpClient http, final String token)
    {
        Objects.requireNonNull(upstream, "upstream");
        final String scheme = upstream.getScheme() == null ? "" : upstream.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || upstream.getHost() == null)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "hub upstream must be an absolute http(s) URL, e.g. " +
                "https://huggingface.co: " + upstream);
        }
        this.upstream = upstream;
        final String text = upstream.toString();
        this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        this.http = Objects.requireNonNull(http, "http");
        this.token = token == null || token.isBlank() ? null : token.trim();
    }

    /**
     * @return the upstream without a trailing slash, to which API paths are appended.
     */
    String base()
    {
        return base;
    }

    boolean hasToken()
    {
        return token != null;
    }

    /**
     * Sends a request with the token when {@code uri} is on the upstream.
     *
     * @param builder a request without Authorization.
     * @param uri     its URI.
     * @param what    what is being fetched, for error messages.
     * @return the response, whatever its status.
     */
    HttpResponse<byte[]> send(final HttpRequest.Builder builder, final URI uri, final String what)
    {
        builder.timeout(REQUEST_TIMEOUT).header("Accept", "application/json");
        if (token != null && sameOrigin(uri))
        {
            builder.header("Authorization", "Bearer " + token);
        }
        try
        {
            return http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.ORIGIN_UNREACHABLE, "cannot reach the hub at " + base + " for " +
                what + ": " + ex + "; check the upstream setting and the network", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new StarlingException(ErrorCode.CANCELLED, "interrupted while fetching " + what, ex);
        }
    }

    HttpResponse<byte[]> get(final URI uri, final String what)
    {
        return send(HttpRequest.newBuilder(uri).GET(), uri, what);
    }

    boolean sameOrigin(final URI uri)
    {
        return uri.getScheme() != null && uri.getScheme().equalsIgnoreCase(upstream.getScheme()) &&
            uri.getHost() != null && uri.getHost().equalsIgnoreCase(upstream.getHost()) &&
            port(uri) == port(upstream);
    }

    private static int port(final URI uri)
    {
        if (uri.getPort() >= 0)
        {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    static JsonNode json(final HttpResponse<byte[]> response, final String what)
    {
        try
        {
            return JSON.readTree(response.body());
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.ORIGIN_ERROR, "the hub answered " + what + " with malformed JSON: " +
                ex.getMessage(), ex);
        }
    }

    /**
     * @return {@code text} percent-encoded as one URL path segment or query value ({@code /} encoded too).
     */
    static String encode(final String text)
    {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * @return a repository path percent-encoded segment by segment, keeping its {@code /} separators.
     */
    static String encodePath(final String path)
    {
        final StringBuilder out = new StringBuilder();
        for (final String segment : path.split("/", -1))
        {
            if (out.length() > 0)
            {
                out.append('/');
            }
            out.append(encode(segment));
        }
        return out.toString();
    }

    /**
     * @throws StarlingException {@code BAD_TARGET} when the hub listed a path that is not safe to write.
     */
    static void requireSafePath(final String path, final String repo)
    {
        if (!HubNames.isSafePath(path))
        {
            throw new StarlingException(ErrorCode.BAD_TARGET, "the hub's listing of " + repo + " names an unsafe " +
                "path '" + printable(path) + "' (absolute, '..', '.', backslash or control characters): refusing " +
                "to download a repository whose files could land outside the target directory");
        }
    }

    private static String printable(final String text)
    {
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && i < 200; i++)
        {
            final char c = text.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }
}
