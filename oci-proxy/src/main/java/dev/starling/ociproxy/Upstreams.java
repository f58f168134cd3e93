package dev.starling.ociproxy;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which upstream registry a request goes to, and the HTTP client that reaches it.
 * <p>
 * A request names its registry with containerd's {@code ?ns=HOST} mirror parameter, else an
 * {@code X-Starling-Registry} header (settable in hosts.toml), else the configured default. HTTPS unless the
 * registry is listed as insecure; {@code docker.io} means {@code registry-1.docker.io}.
 */
final class Upstreams
{
    /** The header a hosts.toml can set to name the upstream registry. */
    static final String REGISTRY_HEADER = "X-Starling-Registry";
    private static final Pattern HOST_PORT = Pattern.compile(
        "^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*" +
        "(?::[0-9]{1,5})?$|^\\[[0-9a-fA-F:]+](?::[0-9]{1,5})?$");

    private final OciProxyContext ctx;
    private final HttpClient client;

    Upstreams(final OciProxyContext ctx)
    {
        this.ctx = ctx;
        final HttpClient.Builder builder = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1);
        if (!ctx.registryCa().isEmpty())
        {
            builder.sslContext(sslContextTrusting(Path.of(ctx.registryCa())));
        }
        this.client = builder.build();
    }

    HttpClient client()
    {
        return client;
    }

    /**
     * @param ns     the request's {@code ns} parameter, or null.
     * @param header the request's {@code X-Starling-Registry} header, or null.
     * @return the registry's base URI ({@code scheme://host[:port]}), or null when the named one is malformed.
     */
    URI resolve(final String ns, final String header)
    {
        if (ns != null && !ns.isEmpty())
        {
            return registryUri(ns, ctx.insecureHosts());
        }
        if (header != null && !header.isEmpty())
        {
            return registryUri(header, ctx.insecureHosts());
        }
        return ctx.defaultRegistry();
    }

    /**
     * @param hostOrUrl    {@code host[:port]} or {@code http(s)://host[:port]}.
     * @param insecureHosts registries reached over plain HTTP.
     * @return the base URI, or null when malformed.
     */
    static URI registryUri(final String hostOrUrl, final Set<String> insecureHosts)
    {
        final String value = hostOrUrl.trim();
        String scheme;
        String host;
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
        else
        {
            host = value;
            scheme = null;
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
        if (scheme == null)
        {
            scheme = insecureHosts.contains(host) ? "http" : "https";
        }
        return URI.create(scheme + "://" + host);
    }

    private static SSLContext sslContextTrusting(final Path pem)
    {
        try (InputStream in = Files.newInputStream(pem))
        {
            final KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            final TrustManagerFactory defaults = TrustManagerFactory.getInstance(
                TrustManagerFactory.getDefaultAlgorithm());
            defaults.init((KeyStore)null);
            int i = 0;
            for (final Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in))
            {
                store.setCertificateEntry("registry-ca-" + i++, c);
            }
            // The JDK's own roots stay trusted too.
            final KeyStore jdk = KeyStore.getInstance(KeyStore.getDefaultType());
            final Path cacerts = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts");
            if (Files.isReadable(cacerts))
            {
                try (InputStream c = Files.newInputStream(cacerts))
                {
                    jdk.load(c, null);
                }
                for (final String alias : java.util.Collections.list(jdk.aliases()))
                {
                    store.setCertificateEntry("jdk-" + alias, jdk.getCertificate(alias));
                }
            }
            final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            final SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        }
        catch (final IOException | GeneralSecurityException ex)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "registry-ca " + pem + " cannot be used: " + ex.getMessage());
        }
    }
}
