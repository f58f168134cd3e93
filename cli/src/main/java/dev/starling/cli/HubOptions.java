package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneConfiguration;
import dev.starling.modelproxy.HubProxyConfiguration;
import dev.starling.modelproxy.HubProxyContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The model hub endpoint's daemon flags and YAML keys ({@link HubProxyConfiguration}): a flag wins over the file,
 * the file over the default.
 */
final class HubOptions
{
    private HubOptions()
    {
    }

    static List<String> yamlKeys()
    {
        final List<String> keys = new ArrayList<>();
        for (final DataplaneConfiguration.Setting s : HubProxyConfiguration.SETTINGS)
        {
            keys.add(s.yamlKey());
        }
        return keys;
    }

    static HubProxyContext toContext(
        final ConfigFile file,
        final String hubListen,
        final String hfUpstream,
        final String modelscopeUpstream,
        final String authCheck,
        final String authCacheMs)
    {
        final HubProxyContext ctx = new HubProxyContext();
        DataplaneOptions.apply(hubListen, file.string("hub-listen"), "hub-listen", v -> v, ctx::hubListen);
        DataplaneOptions.apply(hfUpstream, file.string("hf-upstream"), "hf-upstream", v -> v, ctx::hfUpstream);
        DataplaneOptions.apply(modelscopeUpstream, file.string("modelscope-upstream"), "modelscope-upstream", v -> v,
            ctx::modelscopeUpstream);
        DataplaneOptions.apply(authCheck, file.string("hub-auth-check"), "hub-auth-check",
            DataplaneOptions::parseBoolean, ctx::authCheck);
        DataplaneOptions.apply(authCacheMs, file.string("hub-auth-cache-ms"), "hub-auth-cache-ms", Long::parseLong,
            ctx::authCacheMs);
        return ctx.conclude();
    }
}
