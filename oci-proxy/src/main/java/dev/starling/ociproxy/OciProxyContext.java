package dev.starling.ociproxy;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.source.http.OriginTls;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The registry mirror's settings for one daemon, with fluent setters and a validating {@link #conclude()}.
 */
public final class OciProxyContext
{
    private String mirrorListen = OciProxyConfiguration.mirrorListen();
    private String mirrorRegistryListen = OciProxyConfiguration.mirrorRegistryListen();
    private String registryDefault = OciProxyConfiguration.registryDefault();
    private String registryInsecure = OciProxyConfiguration.registryInsecure();
    private String registryCa = OciProxyConfiguration.registryCa();
    private boolean authCheck = OciProxyConfiguration.authCheck();
    private long authCacheMs = OciProxyConfiguration.authCacheMs();
    private InetSocketAddress mirrorAddress;
    private String defaultRegistry;
    private final Set<String> insecureHosts = new LinkedHashSet<>();
    private final List<RegistryListener> registryListeners = new ArrayList<>();
    private OriginTls originTls;

    /**
     * A mirror listener of its own for one upstream registry: requests on it that name no registry go there.
     *
     * @param registry the registry host or URL, as given.
     * @param address  where it listens (port 0 for any).
     */
    public record RegistryListener(String registry, InetSocketAddress address)
    {
    }

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
        concludeRegistryListeners();
        require(registryCa != null, "registry-ca must not be null");
        if (!registryCa().isEmpty())
        {
            require(Files.isReadable(Path.of(registryCa)), "registry-ca is not a readable file: " + registryCa);
        }
        originTls = OriginTls.of(registryCa().isEmpty() ? null : Path.of(registryCa), insecureHosts);
        require(authCacheMs >= 0, "mirror-auth-cache-ms must be >= 0: " + authCacheMs);
        return this;
    }

    private void concludeRegistryListeners()
    {
        require(mirrorRegistryListen != null, "mirror-registry-listen must not be null");
        registryListeners.clear();
        final String value = mirrorRegistryListen.trim();
        if (value.isEmpty() || value.equalsIgnoreCase("none"))
        {
            return;
        }
        final Set<String> registries = new LinkedHashSet<>();
        final Set<InetSocketAddress> addresses = new LinkedHashSet<>();
        if (mirrorAddress != null && mirrorAddress.getPort() != 0)
        {
            addresses.add(mirrorAddress);
        }
        for (final String entry : value.split(","))
        {
            final int eq = entry.indexOf('=');
            require(eq > 0, "mirror-registry-listen entry '" + entry.trim() + "' is not REGISTRY=HOST:PORT");
            final String registry = entry.substring(0, eq).trim();
            require(Upstreams.isRegistry(registry), "mirror-registry-listen entry '" + entry.trim() +
                "': " + registry + " is not a registry host or URL");
            final Upstreams.Registry parsed = Upstreams.Registry.parse(registry);
            require(registries.add(parsed.authority()), "mirror-registry-listen names registry " + registry +
                " twice");
            final InetSocketAddress address = DataplaneContext.parseAddress("mirror-registry-listen",
                entry.substring(eq + 1).trim());
            require(address.getPort() == 0 || addresses.add(address), "mirror-registry-listen: " +
                entry.substring(eq + 1).trim() + " is taken by another mirror listener");
            registryListeners.add(new RegistryListener(registry, address));
        }
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
     * @return the upstream for requests on {@link #mirrorAddress()} that name none: a registry host or URL.
     */
    public String defaultRegistry()
    {
        return defaultRegistry;
    }

    /**
     * @return the extra listeners, one per registry, in the order given; empty for none.
     */
    public List<RegistryListener> registryListeners()
    {
        return List.copyOf(registryListeners);
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
     * @param mirrorRegistryListen REGISTRY=HOST:PORT,... extra listeners, each with its registry as the default
     *                             upstream; "" or none for none.
     * @return this.
     */
    public OciProxyContext mirrorRegistryListen(final String mirrorRegistryListen)
    {
        this.mirrorRegistryListen = mirrorRegistryListen;
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
