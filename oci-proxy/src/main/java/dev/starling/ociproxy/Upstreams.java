package dev.starling.ociproxy;

import dev.starling.dataplane.source.http.OriginTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;

/**
 * Which upstream registry a request goes to, over which scheme, and the HTTP clients that reach it.
 * <p>
 * A request names its registry with containerd's {@code ?ns=HOST} mirror parameter, else an
 * {@code X-Starling-Registry} header (settable in hosts.toml), else its listener's default. {@code docker.io} means
 * {@code registry-1.docker.io}. A registry given with a scheme is reached over that scheme. One given as a bare host
 * is reached over HTTPS with its certificate verified (the JDK's trust store and {@code --registry-ca}), unless it
 * is listed in {@code --registry-insecure}: then over HTTPS without any certificate check, or, when it does not speak
 * TLS, over plain HTTP. That choice is made once per registry, by a probe of {@code /v2/} on its first request,
 * logged and counted ({@code starling_mirror_plain_http_fallbacks_total}); a probe that reaches neither is not
 * remembered, so the next request probes again.
 * <p>
 * One per mirror, shared by its listeners ({@link #withDefault(String)}) and connections. Thread-safe.
 */
final class Upstreams
{
    /** The header a hosts.toml can set to name the upstream registry. */
    static final String REGISTRY_HEADER = "X-Starling-Registry";
    private static final Logger LOG = LoggerFactory.getLogger(Upstreams.class);
    private static final Pattern HOST_PORT = Pattern.compile(
        "^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*" +
        "(?::[0-9]{1,5})?$|^\\[[0-9a-fA-F:]+](?::[0-9]{1,5})?$");
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    private static final int BAD_REQUEST = 400;

    private final OciProxyContext ctx;
    private final MirrorMetrics metrics;
    private final HttpClient verifying;
    private final HttpClient insecure;
    private final ConcurrentMap<String, CompletableFuture<String>> insecureSchemes;
    private final String defaultRegistry;

    /**
     * @param ctx     concluded settings.
     * @param metrics where plain-HTTP fallbacks are counted.
     */
    Upstreams(final OciProxyContext ctx, final MirrorMetrics metrics)
    {
        this.ctx = ctx;
        this.metrics = metrics;
        this.verifying = client(ctx.originTls(), false);
        this.insecure = client(ctx.originTls(), true);
        this.insecureSchemes = new ConcurrentHashMap<>();
        this.defaultRegistry = ctx.defaultRegistry();
    }

    private Upstreams(final Upstreams shared, final String defaultRegistry)
    {
        this.ctx = shared.ctx;
        this.metrics = shared.metrics;
        this.verifying = shared.verifying;
        this.insecure = shared.insecure;
        this.insecureSchemes = shared.insecureSchemes;
        this.defaultRegistry = defaultRegistry;
    }

    private static HttpClient client(final OriginTls tls, final boolean insecure)
    {
        return HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(tls.jdkContext(insecure))
            .build();
    }

    /**
     * @param registry the default upstream of a listener: a registry host or URL, already validated.
     * @return upstreams sharing this one's clients and scheme choices, with that default.
     */
    Upstreams withDefault(final String registry)
    {
        return new Upstreams(this, registry);
    }

    /**
     * @param upstream a URI on an upstream registry.
     * @return the client for it: one that checks no certificate for a registry listed as insecure, else one that
     * verifies.
     */
    HttpClient client(final URI upstream)
    {
        return ctx.originTls().isInsecure(upstream) ? insecure : verifying;
    }

    /**
     * @param ns     the request's {@code ns} parameter, or null.
     * @param header the request's {@code X-Starling-Registry} header, or null.
     * @return the registry's base URI ({@code scheme://host[:port]}), or null when the named one is malformed;
     * completed at once unless an insecure registry's scheme is still to be probed. Never completes exceptionally.
     */
    CompletableFuture<URI> resolve(final String ns, final String header)
    {
        final String named = ns != null && !ns.isEmpty() ? ns : header != null && !header.isEmpty() ? header :
            defaultRegistry;
        final Registry registry = Registry.parse(named);
        if (registry == null)
        {
            return CompletableFuture.completedFuture(null);
        }
        if (registry.scheme() != null)
        {
            return CompletableFuture.completedFuture(registry.uri(registry.scheme()));
        }
        if (!ctx.insecureHosts().contains(registry.authority()))
        {
            return CompletableFuture.completedFuture(registry.uri("https"));
        }
        return insecureScheme(registry.authority()).thenApply(registry::uri);
    }

    private CompletableFuture<String> insecureScheme(final String authority)
    {
        final CompletableFuture<String> known = insecureSchemes.get(authority);
        if (known != null)
        {
            return known;
        }
        final CompletableFuture<String> mine = new CompletableFuture<>();
        final CompletableFuture<String> raced = insecureSchemes.putIfAbsent(authority, mine);
        if (raced != null)
        {
            return raced;
        }
        probe(authority, "https").whenComplete((response, tlsError) ->
        {
            if (tlsError == null)
            {
                LOG.info("insecure registry {} speaks TLS: reached over HTTPS without certificate checks", authority);
                mine.complete("https");
                return;
            }
            if (!hasCause(tlsError, SSLException.class))
            {
                forget(authority, mine, tlsError);
                return;
            }
            probe(authority, "http").whenComplete((plain, plainError) ->
            {
                if (plainError == null && plain.statusCode() != BAD_REQUEST)
                {
                    LOG.warn("insecure registry {} does not speak TLS ({}): falling back to plain HTTP for it",
                        authority, rootCause(tlsError).toString());
                    metrics.onPlainHttpFallback();
                    mine.complete("http");
                }
                else
                {
                    forget(authority, mine, plainError != null ? plainError : tlsError);
                }
            });
        });
        return mine;
    }

    private CompletableFuture<HttpResponse<Void>> probe(final String authority, final String scheme)
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(scheme + "://" + authority + "/v2/"))
            .timeout(PROBE_TIMEOUT).GET().build();
        return insecure.sendAsync(request, HttpResponse.BodyHandlers.discarding());
    }

    /** Neither scheme answered: HTTPS for this request (its error names the cause), and a fresh probe next time. */
    private void forget(final String authority, final CompletableFuture<String> probe, final Throwable error)
    {
        LOG.info("insecure registry {}: neither HTTPS nor plain HTTP answered ({}); probing again on the next request",
            authority, rootCause(error).toString());
        insecureSchemes.remove(authority, probe);
        probe.complete("https");
    }

    /**
     * A message for a request to a registry that failed, with what to do about it.
     *
     * @param registry the registry's base URI.
     * @param error    the failure.
     * @return the message.
     */
    String describeFailure(final URI registry, final Throwable error)
    {
        final Throwable cause = rootCause(error);
        final String host = registry.getRawAuthority();
        final boolean listed = ctx.originTls().isInsecure(registry);
        if ("https".equals(registry.getScheme()) && !listed && hasCause(error, CertificateException.class))
        {
            return "the TLS certificate of upstream registry " + registry + " could not be verified (" + cause +
                "): give its CA certificate with --registry-ca FILE, or list " + host + " in --registry-insecure " +
                "to skip certificate verification for it";
        }
        if ("https".equals(registry.getScheme()) && hasCause(error, SSLException.class))
        {
            return "no TLS handshake with upstream registry " + registry + " (" + cause + ")" + (listed ?
                "; plain HTTP did not answer either" : ": if it speaks plain HTTP, list " + host +
                " in --registry-insecure");
        }
        return "upstream registry " + registry + " is unreachable: " + cause;
    }

    private static boolean hasCause(final Throwable error, final Class<? extends Throwable> type)
    {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause())
        {
            if (type.isInstance(t))
            {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(final Throwable error)
    {
        Throwable t = error;
        while (t.getCause() != null && t.getCause() != t)
        {
            t = t.getCause();
        }
        return t;
    }

    /**
     * @param hostOrUrl {@code host[:port]} or {@code http(s)://host[:port]}.
     * @return true when it names a registry.
     */
    static boolean isRegistry(final String hostOrUrl)
    {
        return Registry.parse(hostOrUrl) != null;
    }

    /**
     * A registry as a request or a setting names it.
     *
     * @param scheme    {@code http} or {@code https} when given, else null.
     * @param authority {@code host[:port]}, lower case, Docker Hub's API host for {@code docker.io}.
     */
    record Registry(String scheme, String authority)
    {
        /**
         * @param hostOrUrl {@code host[:port]} or {@code http(s)://host[:port]}.
         * @return the registry, or null when malformed.
         */
        static Registry parse(final String hostOrUrl)
        {
            if (hostOrUrl == null)
            {
                return null;
            }
            final String value = hostOrUrl.trim();
            String scheme = null;
            String host = value;
            if (value.contains("://"))
            {
                final URI u;
                try
                {
                    u = new URI(value);
                }
                catch (final URISyntaxException ex)
                {
                    return null;
                }
                scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https") || u.getRawAuthority() == null)
                {
                    return null;
                }
                host = u.getRawAuthority();
            }
            host = host.toLowerCase(Locale.ROOT);
            if (!HOST_PORT.matcher(host).matches())
            {
                return null;
            }
            if (host.equals("docker.io") || host.equals("index.docker.io"))
            {
                host = "registry-1.docker.io";
            }
            return new Registry(scheme, host);
        }

        /**
         * @param useScheme the scheme to reach it over.
         * @return {@code scheme://authority}.
         */
        URI uri(final String useScheme)
        {
            return URI.create(useScheme + "://" + authority);
        }
    }
}
