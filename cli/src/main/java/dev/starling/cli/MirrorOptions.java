package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneConfiguration;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
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
        final String registryDefault,
        final String registryInsecure,
        final String registryCa,
        final String authCheck,
        final String authCacheMs)
    {
        final OciProxyContext ctx = new OciProxyContext();
        final String listen = first(mirrorListen, file.string("mirror-listen"));
        if (listen != null)
        {
            ctx.mirrorListen(listen);
        }
        final String registry = first(registryDefault, file.string("registry-default"));
        if (registry != null)
        {
            ctx.registryDefault(registry);
        }
        final String insecure = first(registryInsecure, file.string("registry-insecure"));
        if (insecure != null)
        {
            ctx.registryInsecure(insecure);
        }
        final String ca = first(registryCa, file.string("registry-ca"));
        if (ca != null)
        {
            ctx.registryCa(ca);
        }
        final String check = first(authCheck, file.string("mirror-auth-check"));
        if (check != null)
        {
            if (!check.equalsIgnoreCase("true") && !check.equalsIgnoreCase("false"))
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG, "mirror-auth-check must be true or false: " + check);
            }
            ctx.authCheck(Boolean.parseBoolean(check));
        }
        final String cacheMs = first(authCacheMs, file.string("mirror-auth-cache-ms"));
        if (cacheMs != null)
        {
            try
            {
                ctx.authCacheMs(Long.parseLong(cacheMs.trim()));
            }
            catch (final NumberFormatException ex)
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG, "mirror-auth-cache-ms must be a number: " + cacheMs);
            }
        }
        return ctx.conclude();
    }

    private static String first(final String a, final String b)
    {
        return a != null ? a : b;
    }
}
