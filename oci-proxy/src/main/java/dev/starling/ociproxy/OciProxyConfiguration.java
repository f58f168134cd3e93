package dev.starling.ociproxy;

import dev.starling.dataplane.config.DataplaneConfiguration.Setting;

import java.util.List;

/**
 * Settings of the registry mirror: property, YAML key, flag, default. Defaults can be overridden with JVM system
 * properties of these names; this class is the only place in the module that reads them. The table in
 * {@code docs/configuration.md} is generated from {@link #SETTINGS}.
 */
public final class OciProxyConfiguration
{
    /** Where the mirror listens; empty or "none" turns it off. */
    public static final String MIRROR_LISTEN_PROP = "starling.mirror.listen";
    /** Default mirror address. */
    public static final String MIRROR_LISTEN_DEFAULT = "127.0.0.1:65001";

    /** Extra mirror listeners, one per upstream registry, for runtimes that cannot name the registry (CRI-O). */
    public static final String MIRROR_REGISTRY_LISTEN_PROP = "starling.mirror.registry.listen";
    /** Default: none. */
    public static final String MIRROR_REGISTRY_LISTEN_DEFAULT = "";

    /** The upstream registry when a request names none (no ns parameter, no X-Starling-Registry header). */
    public static final String REGISTRY_DEFAULT_PROP = "starling.registry.default";
    /** Default upstream registry. */
    public static final String REGISTRY_DEFAULT_DEFAULT = "https://registry-1.docker.io";

    /** Registries reached without certificate verification: HTTPS, else plain HTTP. */
    public static final String REGISTRY_INSECURE_PROP = "starling.registry.insecure";
    /** Default: none. */
    public static final String REGISTRY_INSECURE_DEFAULT = "";

    /** A PEM file of CA certificates trusted for upstream registries, besides the JDK's trust store. */
    public static final String REGISTRY_CA_PROP = "starling.registry.ca";
    /** Default: none. */
    public static final String REGISTRY_CA_DEFAULT = "";

    /** Whether a blob is served only after the upstream confirms the client may read it. */
    public static final String AUTH_CHECK_PROP = "starling.mirror.auth.check";
    /** Default: check. */
    public static final boolean AUTH_CHECK_DEFAULT = true;

    /** How long a confirmed (credential, repository, blob) stays confirmed, milliseconds. */
    public static final String AUTH_CACHE_MS_PROP = "starling.mirror.auth.cache.ms";
    /** Default: one minute. */
    public static final long AUTH_CACHE_MS_DEFAULT = 60_000;

    /** Every setting, in documentation order. */
    public static final List<Setting> SETTINGS = List.of(
        new Setting(MIRROR_LISTEN_PROP, "mirror-listen", "--mirror-listen", MIRROR_LISTEN_DEFAULT,
            "Daemon: where the registry mirror listens (HOST:PORT, port 0 for any; none to turn it off)."),
        new Setting(MIRROR_REGISTRY_LISTEN_PROP, "mirror-registry-listen", "--mirror-registry-listen", "none",
            "Daemon: REGISTRY=HOST:PORT,...: one more mirror listener per registry, whose requests that name no " +
            "registry go to REGISTRY (for CRI-O and skopeo, which cannot name it; ?ns= and the header still win)."),
        new Setting(REGISTRY_DEFAULT_PROP, "registry-default", "--registry-default", REGISTRY_DEFAULT_DEFAULT,
            "The upstream registry for requests on --mirror-listen that name none (no ?ns=, no X-Starling-Registry " +
            "header)."),
        new Setting(REGISTRY_INSECURE_PROP, "registry-insecure", "--registry-insecure", "none",
            "HOST[:PORT],...: registries reached without certificate verification: over HTTPS, or plain HTTP " +
            "when they do not speak TLS (Docker's insecure-registries)."),
        new Setting(REGISTRY_CA_PROP, "registry-ca", "--registry-ca", "none",
            "A PEM file of CA certificates to trust for upstream registries, besides the JDK's trust store."),
        new Setting(AUTH_CHECK_PROP, "mirror-auth-check", "--mirror-auth-check", String.valueOf(AUTH_CHECK_DEFAULT),
            "Serve a blob only after the upstream confirms this client may read it (HEAD with its credentials); " +
            "false for public registries."),
        new Setting(AUTH_CACHE_MS_PROP, "mirror-auth-cache-ms", "--mirror-auth-cache-ms",
            String.valueOf(AUTH_CACHE_MS_DEFAULT), "How long such a confirmation is reused per credential, milliseconds."));

    private OciProxyConfiguration()
    {
    }

    /**
     * @return the value of {@value #MIRROR_LISTEN_PROP}.
     */
    public static String mirrorListen()
    {
        return System.getProperty(MIRROR_LISTEN_PROP, MIRROR_LISTEN_DEFAULT);
    }

    /**
     * @return the value of {@value #MIRROR_REGISTRY_LISTEN_PROP}.
     */
    public static String mirrorRegistryListen()
    {
        return System.getProperty(MIRROR_REGISTRY_LISTEN_PROP, MIRROR_REGISTRY_LISTEN_DEFAULT);
    }

    /**
     * @return the value of {@value #REGISTRY_DEFAULT_PROP}.
     */
    public static String registryDefault()
    {
        return System.getProperty(REGISTRY_DEFAULT_PROP, REGISTRY_DEFAULT_DEFAULT);
    }

    /**
     * @return the value of {@value #REGISTRY_INSECURE_PROP}.
     */
    public static String registryInsecure()
    {
        return System.getProperty(REGISTRY_INSECURE_PROP, REGISTRY_INSECURE_DEFAULT);
    }

    /**
     * @return the value of {@value #REGISTRY_CA_PROP}.
     */
    public static String registryCa()
    {
        return System.getProperty(REGISTRY_CA_PROP, REGISTRY_CA_DEFAULT);
    }

    /**
     * @return the value of {@value #AUTH_CHECK_PROP}.
     */
    public static boolean authCheck()
    {
        return Boolean.parseBoolean(System.getProperty(AUTH_CHECK_PROP, String.valueOf(AUTH_CHECK_DEFAULT)));
    }

    /**
     * @return the value of {@value #AUTH_CACHE_MS_PROP}.
     */
    public static long authCacheMs()
    {
        return Long.getLong(AUTH_CACHE_MS_PROP, AUTH_CACHE_MS_DEFAULT);
    }
}
