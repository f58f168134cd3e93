package dev.starling.modelproxy;

import dev.starling.dataplane.config.DataplaneConfiguration.Setting;

import java.util.List;

/**
 * Settings of the model hub endpoint and the hub sources: property, YAML key, flag, default. Defaults can be
 * overridden with JVM system properties of these names; this class is the only place in the module that reads
 * them. The table in {@code docs/configuration.md} is generated from {@link #SETTINGS}.
 */
public final class HubProxyConfiguration
{
    /** Where the hub endpoint listens; empty or "none" turns it off. */
    public static final String HUB_LISTEN_PROP = "starling.hub.listen";
    /** Default hub endpoint address. */
    public static final String HUB_LISTEN_DEFAULT = "127.0.0.1:65002";

    /** The Hugging Face hub (or a mirror of it) that files and API calls come from. */
    public static final String HF_UPSTREAM_PROP = "starling.hf.upstream";
    /** Default: huggingface.co. */
    public static final String HF_UPSTREAM_DEFAULT = "https://huggingface.co";

    /** The ModelScope hub that {@code modelscope://} sources and {@code /api/v1/} calls go to. */
    public static final String MODELSCOPE_UPSTREAM_PROP = "starling.modelscope.upstream";
    /** Default: modelscope.cn. */
    public static final String MODELSCOPE_UPSTREAM_DEFAULT = "https://www.modelscope.cn";

    /** Whether a file is served only after the upstream confirms the caller may read it. */
    public static final String AUTH_CHECK_PROP = "starling.hub.auth.check";
    /** Default: check. */
    public static final boolean AUTH_CHECK_DEFAULT = true;

    /** How long a file's metadata and a confirmed (credential, file) stay valid, milliseconds. */
    public static final String AUTH_CACHE_MS_PROP = "starling.hub.auth.cache.ms";
    /** Default: one minute. */
    public static final long AUTH_CACHE_MS_DEFAULT = 60_000;

    /** The hf-upstream setting, shared by the daemon and {@code starling get hf://}. */
    public static final Setting HF_UPSTREAM = new Setting(HF_UPSTREAM_PROP, "hf-upstream", "--hf-upstream",
        HF_UPSTREAM_DEFAULT, "The Hugging Face hub, or a mirror of it, behind the hub endpoint and hf:// sources.");

    /** The modelscope-upstream setting, shared by the daemon and {@code starling get modelscope://}. */
    public static final Setting MODELSCOPE_UPSTREAM = new Setting(MODELSCOPE_UPSTREAM_PROP, "modelscope-upstream",
        "--modelscope-upstream", MODELSCOPE_UPSTREAM_DEFAULT,
        "The ModelScope hub behind modelscope:// sources and /api/v1/ calls.");

    /** Every setting, in documentation order. */
    public static final List<Setting> SETTINGS = List.of(
        new Setting(HUB_LISTEN_PROP, "hub-listen", "--hub-listen", HUB_LISTEN_DEFAULT,
            "Daemon: where the model hub endpoint (HF_ENDPOINT) listens (HOST:PORT, port 0 for any; none to turn " +
            "it off)."),
        HF_UPSTREAM,
        MODELSCOPE_UPSTREAM,
        new Setting(AUTH_CHECK_PROP, "hub-auth-check", "--hub-auth-check", String.valueOf(AUTH_CHECK_DEFAULT),
            "Serve a file only after the upstream confirms this caller may read it (HEAD with its token); false " +
            "for public hubs."),
        new Setting(AUTH_CACHE_MS_PROP, "hub-auth-cache-ms", "--hub-auth-cache-ms",
            String.valueOf(AUTH_CACHE_MS_DEFAULT),
            "How long a file's metadata and such a confirmation are reused per token, milliseconds."));

    private HubProxyConfiguration()
    {
    }

    /**
     * @return the value of {@value #HUB_LISTEN_PROP}.
     */
    public static String hubListen()
    {
        return System.getProperty(HUB_LISTEN_PROP, HUB_LISTEN_DEFAULT);
    }

    /**
     * @return the value of {@value #HF_UPSTREAM_PROP}.
     */
    public static String hfUpstream()
    {
        return System.getProperty(HF_UPSTREAM_PROP, HF_UPSTREAM_DEFAULT);
    }

    /**
     * @return the value of {@value #MODELSCOPE_UPSTREAM_PROP}.
     */
    public static String modelscopeUpstream()
    {
        return System.getProperty(MODELSCOPE_UPSTREAM_PROP, MODELSCOPE_UPSTREAM_DEFAULT);
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
