package dev.starling.dataplane.task;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Normalises an artifact URL so that every process derives the same task id from it.
 * <p>
 * Lower-cases scheme and host, drops user info, the default port and the fragment, removes dot segments, and
 * drops query parameters that change between requests for the same bytes: signed-URL parameters
 * ({@code X-Amz-*}, {@code X-Goog-*}, {@code Expires}, {@code Signature}, {@code Key-Pair-Id}, {@code Policy})
 * and containerd's mirror parameter {@code ns}. The remaining parameters are sorted.
 */
public final class UrlNormalizer
{
    private UrlNormalizer()
    {
    }

    /**
     * @param url absolute URL.
     * @return the normalised form.
     * @throws IllegalArgumentException when the URL is not absolute or cannot be parsed.
     */
    public static String normalize(final String url)
    {
        final URI uri;
        try
        {
            uri = new URI(url).normalize();
        }
        catch (final URISyntaxException ex)
        {
            throw new IllegalArgumentException("malformed URL: " + ex.getMessage(), ex);
        }
        if (uri.getScheme() == null || uri.isOpaque())
        {
            throw new IllegalArgumentException("URL must be absolute (scheme://host/path): " + url);
        }
        final String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        final StringBuilder sb = new StringBuilder(url.length());
        sb.append(scheme).append("://");
        if (uri.getRawAuthority() != null)
        {
            String host = uri.getHost();
            int port = uri.getPort();
            if (host == null)
            {
                // A registry-style authority java.net.URI will not parse as a server ("my_registry:5000").
                String authority = uri.getRawAuthority();
                authority = authority.substring(authority.lastIndexOf('@') + 1);
                final int colon = authority.lastIndexOf(':');
                final boolean hasPort = colon > authority.lastIndexOf(']') && colon >= 0;
                host = hasPort ? authority.substring(0, colon) : authority;
                port = hasPort && colon + 1 < authority.length() ? parsePort(authority.substring(colon + 1)) : -1;
            }
            sb.append(host.toLowerCase(Locale.ROOT));
            if (port != -1 && port != defaultPort(scheme))
            {
                sb.append(':').append(port);
            }
        }
        String path = uri.getRawPath();
        path = path == null || path.isEmpty() ? "/" : path;
        // RFC 3986 5.2.4: dot segments cannot climb above the root (java.net.URI keeps a leading "/..").
        while (path.startsWith("/../"))
        {
            path = path.substring(3);
        }
        if (path.equals("/.."))
        {
            path = "/";
        }
        sb.append(path);
        final String query = normalizeQuery(uri.getRawQuery());
        if (!query.isEmpty())
        {
            sb.append('?').append(query);
        }
        return sb.toString();
    }

    /**
     * @param name a query parameter name.
     * @return true when the parameter is dropped from the task id.
     */
    public static boolean isFiltered(final String name)
    {
        final String n = name.toLowerCase(Locale.ROOT);
        return n.startsWith("x-amz-") || n.startsWith("x-goog-") || n.equals("expires") || n.equals("signature") ||
            n.equals("key-pair-id") || n.equals("policy") || n.equals("ns");
    }

    private static String normalizeQuery(final String rawQuery)
    {
        if (rawQuery == null || rawQuery.isEmpty())
        {
            return "";
        }
        final List<String> kept = new ArrayList<>();
        for (final String param : rawQuery.split("&"))
        {
            if (param.isEmpty())
            {
                continue;
            }
            final int eq = param.indexOf('=');
            final String name = eq < 0 ? param : param.substring(0, eq);
            if (!isFiltered(name))
            {
                kept.add(param);
            }
        }
        kept.sort(null);
        return String.join("&", kept);
    }

    private static int parsePort(final String text)
    {
        try
        {
            return Integer.parseInt(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("malformed port in URL: " + text, ex);
        }
    }

    private static int defaultPort(final String scheme)
    {
        switch (scheme)
        {
            case "http":
                return 80;
            case "https":
                return 443;
            default:
                return -1;
        }
    }
}
