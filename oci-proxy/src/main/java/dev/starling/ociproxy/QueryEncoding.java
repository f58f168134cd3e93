package dev.starling.ociproxy;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Query parameter encoding for upstream URLs. */
final class QueryEncoding
{
    private QueryEncoding()
    {
    }

    static String encode(final String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
