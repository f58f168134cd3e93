package dev.starling.ociproxy;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.source.http.OriginTls;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The registry mirror's settings for one daemon, with fluent setters and a validating {@link #conclude()}.
 */
public final class OciProxyContext
{
    private String mirrorListen = OciProxyConfiguration.mirrorListen();
    private String registryDefault = OciProxyConfiguration.registryDefault();
    private String registryInsecure = OciProxyConfiguration.registryInsecure();
    private String registryCa = OciProxyConfiguration.registryCa();
    private boolean authCheck = OciProxyConfiguration.authCheck();
    private long authCacheMs = OciProxyConfiguration.authCacheMs();
    private InetSocketAddress mirrorAddress;
    private String defaultRegistry;
    private final Set<String> insecureHosts = new LinkedHashSet<>();
    private OriginTls originTls;

    /**
     * Validates the settings.
     *
     * @return this.
     * @throws StarlingException with {@link ErrorCode#BAD_CONFIG} naming the bad setting.
     */
    public OciProxyContext conclude()
    {
        final String listen = mirrorListen == null ? "" : mirrorListen.trim();
        mirrorAddress = listen.isEmpty() || listen.equalsIgnoreCase("none") ? null :
            DataplaneContext.parseAddress("mirror-listen", listen);
        require(registryInsecure != null, "registry-insecure must not be null");
        for (final String h : registryInsecure.split(","))
        {
            if (!h.isBlank())
            {
                insecureHosts.add(h.trim().toLowerCase(Locale.ROOT));
            }
        }
        require(registryDefault != null && !registryDefault.isBlank(), "registry-default must be set");
        defaultRegistry = registryDefault.trim();
        require(Upstreams.isRegistry(defaultRegistry), "registry-default is not a registry host or URL: " +
            registryDefault);
        require(registryCa != null, "registry-ca must not be null");
        if (!registryCa().isEmpty())
        {
            require(Files.isReadable(Path.of(registryCa)), "registry-ca is not a readable file: " + registryCa);
        }
        originTls = OriginTls.of(registryCa().isEmpty() ? null : Path.of(registryCa), insecureHosts);
        require(authCacheMs >= 0, "mirror-auth-cache-ms must be >= 0: " + authCacheMs);
        return this;
    }

    private static void require(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, message);
        }
    }

    /**
     * @return where the mirror listens, or null when it is off.
     */
    public InetSocketAddress mirrorAddress()
    {
        return mirrorAddress;
    }

    /**
     * @return the upstream for requests that name none: a registry host or URL.
     */
    public String defaultRegistry()
    {
        return defaultRegistry;
    }

    /**
     * @return which certificates upstream registries must present (and which need none); for the node's origin
     * backend too, so that blob downloads trust what the mirror trusts.
     */
    public OriginTls originTls()
    {
        return originTls;
    }

    /**
     * @return registries reached without certificate verification, over HTTPS or, when they do not speak TLS, plain
     * HTTP (host or host:port, lower case).
     */
    public Set<String> insecureHosts()
    {
        return insecureHosts;
    }

    /**
     * @return the CA file, or "" for none.
     */
    public String registryCa()
    {
        return registryCa.equalsIgnoreCase("none") ? "" : registryCa;
    }

    /**
     * @return whether blobs are served only after the upstream confirms the client's access.
     */
    public boolean authCheck()
    {
        return authCheck;
    }

    /**
     * @return how long a confirmation is reused, milliseconds.
     */
    public long authCacheMs()
    {
        return authCacheMs;
    }

    /**
     * @param mirrorListen HOST:PORT, or none.
     * @return this.
     */
    public OciProxyContext mirrorListen(final String mirrorListen)
    {
        this.mirrorListen = mirrorListen;
        return this;
    }

    /**
     * @param registryDefault a registry host or URL.
     * @return this.
     */
    public OciProxyContext registryDefault(final String registryDefault)
    {
        this.registryDefault = registryDefault;
        return this;
    }

    /**
     * @param registryInsecure HOST[:PORT],... reached without certificate verification (HTTPS, else plain HTTP).
     * @return this.
     */
    public OciProxyContext registryInsecure(final String registryInsecure)
    {
        this.registryInsecure = registryInsecure;
        return this;
    }

    /**
     * @param registryCa a PEM file, or "".
     * @return this.
     */
    public OciProxyContext registryCa(final String registryCa)
    {
        this.registryCa = registryCa;
        return this;
    }

    /**
     * @param authCheck whether blobs need the upstream's confirmation per client.
     * @return this.
     */
    public OciProxyContext authCheck(final boolean authCheck)
    {
        this.authCheck = authCheck;
        return this;
    }

    /**
     * @param authCacheMs how long a confirmation is reused, milliseconds.
     * @return this.
     */
    public OciProxyContext authCacheMs(final long authCacheMs)
    {
        this.authCacheMs = authCacheMs;
        return this;
    }
}
