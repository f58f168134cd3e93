package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneConfiguration;
import dev.starling.ociproxy.OciProxyConfiguration;
import dev.starling.ociproxy.OciProxyContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The registry mirror's daemon flags and YAML keys ({@link OciProxyConfiguration}): a flag wins over the file, the
 * file over the default.
 */
final class MirrorOptions
{
    private MirrorOptions()
    {
    }

    static List<String> yamlKeys()
    {
        final List<String> keys = new ArrayList<>();
        for (final DataplaneConfiguration.Setting s : OciProxyConfiguration.SETTINGS)
        {
            keys.add(s.yamlKey());
        }
        return keys;
    }

    static OciProxyContext toContext(
        final ConfigFile file,
        final String mirrorListen,
        final String mirrorRegistryListen,
        final String registryDefault,
        final String registryInsecure,
        final String registryCa,
        final String authCheck,
        final String authCacheMs)
    {
        final OciProxyContext ctx = new OciProxyContext();
        DataplaneOptions.apply(mirrorListen, file.string("mirror-listen"), "mirror-listen", v -> v, ctx::mirrorListen);
        DataplaneOptions.apply(mirrorRegistryListen, file.string("mirror-registry-listen"), "mirror-registry-listen",
            v -> v, ctx::mirrorRegistryListen);
        DataplaneOptions.apply(registryDefault, file.string("registry-default"), "registry-default", v -> v,
            ctx::registryDefault);
        DataplaneOptions.apply(registryInsecure, file.string("registry-insecure"), "registry-insecure", v -> v,
            ctx::registryInsecure);
        DataplaneOptions.apply(registryCa, file.string("registry-ca"), "registry-ca", v -> v, ctx::registryCa);
        DataplaneOptions.apply(authCheck, file.string("mirror-auth-check"), "mirror-auth-check",
            DataplaneOptions::parseBoolean, ctx::authCheck);
        DataplaneOptions.apply(authCacheMs, file.string("mirror-auth-cache-ms"), "mirror-auth-cache-ms",
            Long::parseLong, ctx::authCacheMs);
        return ctx.conclude();
    }
}
