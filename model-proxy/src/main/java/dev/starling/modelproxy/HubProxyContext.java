package dev.starling.modelproxy;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The hub endpoint's settings, with fluent setters and a validating {@link #conclude()}. Not thread-safe until
 * concluded; read-only after.
 */
public final class HubProxyContext
{
    private String hubListen = HubProxyConfiguration.hubListen();
    private String hfUpstream = HubProxyConfiguration.hfUpstream();
    private String modelscopeUpstream = HubProxyConfiguration.modelscopeUpstream();
    private boolean authCheck = HubProxyConfiguration.authCheck();
    private long authCacheMs = HubProxyConfiguration.authCacheMs();
    private InetSocketAddress hubAddress;
    private URI hfUri;
    private URI modelscopeUri;

    /**
     * Validates the settings.
     *
     * @return this.
     * @throws StarlingException with {@link ErrorCode#BAD_CONFIG} naming the bad setting.
     */
    public HubProxyContext conclude()
    {
        final String listen = hubListen == null ? "" : hubListen.trim();
        hubAddress = listen.isEmpty() || listen.equalsIgnoreCase("none") ? null :
            DataplaneContext.parseAddress("hub-listen", listen);
        hfUri = upstream("hf-upstream", hfUpstream);
        modelscopeUri = upstream("modelscope-upstream", modelscopeUpstream);
        if (authCacheMs < 0)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "hub-auth-cache-ms must be >= 0: " + authCacheMs);
        }
        return this;
    }

    /**
     * @param name  the setting's name, for the message.
     * @param value {@code http(s)://host[:port][/prefix]}.
     * @return the URI without a trailing slash.
     * @throws StarlingException with {@link ErrorCode#BAD_CONFIG} when it is not an http(s) URL.
     */
    public static URI upstream(final String name, final String value)
    {
        final String text = value == null ? "" : value.trim();
        try
        {
            final URI u = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            final String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null && u.getRawQuery() == null)
            {
                return u;
            }
        }
        catch (final URISyntaxException ex)
        {
            // reported below
        }
        throw new StarlingException(ErrorCode.BAD_CONFIG, name + " must be an http(s) URL such as " +
            "https://huggingface.co: " + value);
    }

    /**
     * @return where the hub endpoint listens, or null when it is off.
     */
    public InetSocketAddress hubAddress()
    {
        return hubAddress;
    }

    /**
     * @return the Hugging Face upstream, without a trailing slash.
     */
    public URI hfUpstream()
    {
        return hfUri;
    }

    /**
     * @return the ModelScope upstream, without a trailing slash.
     */
    public URI modelscopeUpstream()
    {
        return modelscopeUri;
    }

    /**
     * @return whether files are served only after the upstream confirms access.
     */
    public boolean authCheck()
    {
        return authCheck;
    }

    /**
     * @return how long metadata and confirmations are reused, milliseconds.
     */
    public long authCacheMs()
    {
        return authCacheMs;
    }

    /**
     * @param hubListen {@code HOST:PORT}, or none.
     * @return this.
     */
    public HubProxyContext hubListen(final String hubListen)
    {
        this.hubListen = hubListen;
        return this;
    }

    /**
     * @param hfUpstream the Hugging Face hub URL.
     * @return this.
     */
    public HubProxyContext hfUpstream(final String hfUpstream)
    {
        this.hfUpstream = hfUpstream;
        return this;
    }

    /**
     * @param modelscopeUpstream the ModelScope hub URL.
     * @return this.
     */
    public HubProxyContext modelscopeUpstream(final String modelscopeUpstream)
    {
        this.modelscopeUpstream = modelscopeUpstream;
        return this;
    }

    /**
     * @param authCheck whether to confirm access with the upstream.
     * @return this.
     */
    public HubProxyContext authCheck(final boolean authCheck)
    {
        this.authCheck = authCheck;
        return this;
    }

    /**
     * @param authCacheMs how long metadata and confirmations are reused, milliseconds.
     * @return this.
     */
    public HubProxyContext authCacheMs(final long authCacheMs)
    {
        this.authCacheMs = authCacheMs;
        return this;
    }
}
