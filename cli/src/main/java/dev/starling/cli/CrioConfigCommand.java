package dev.starling.cli;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code starling crio-config}: writes a containers-registries.conf(5) drop-in (version 2 format) that gives each
 * registry Starling's registry mirror as its first mirror. CRI-O, podman and skopeo read it; the registry itself is
 * still tried when the mirror fails. A drop-in replaces any earlier {@code [[registry]]} table with the same prefix.
 * CRI-O cannot tell the mirror which registry a request is for, so each registry but the daemon's
 * {@code --registry-default} needs a mirror listener of its own ({@code --mirror-registry-listen}, on the daemon and
 * here).
 */
@Command(name = "crio-config", mixinStandardHelpOptions = true,
    description = {"Write a registries.conf.d drop-in that makes CRI-O pull through Starling's registry mirror."})
final class CrioConfigCommand implements Callable<Integer>
{
    static final String NAME = "starling crio-config";
    static final String DEFAULT_FILE = "/etc/containers/registries.conf.d/50-starling.conf";

    @Option(names = "--registry", split = ",", paramLabel = "HOST",
        description = "Registry hosts to mirror, e.g. docker.io,quay.io,127.0.0.1:5000 (repeatable).")
    List<String> registries = new ArrayList<>();

    @Option(names = "--file", paramLabel = "FILE", description = "The drop-in to write (default " + DEFAULT_FILE + ").")
    Path file = Path.of(DEFAULT_FILE);

    @Option(names = "--mirror", paramLabel = "HOST:PORT",
        description = "Starling's registry mirror, plain HTTP (default " + ContainerdConfigCommand.DEFAULT_MIRROR + ").")
    String mirror = ContainerdConfigCommand.DEFAULT_MIRROR;

    @Option(names = "--mirror-registry-listen", split = ",", paramLabel = "REGISTRY=HOST:PORT",
        description = "A mirror listener of the daemon's own for one registry (the daemon's --mirror-registry-listen " +
            "value, pasted): that registry's mirror is HOST:PORT, not --mirror. Its registry needs no --registry " +
            "(repeatable).")
    List<String> registryListeners = new ArrayList<>();

    @Option(names = "--dry-run", description = "Print the file instead of writing it.")
    boolean dryRun;

    @Override
    public Integer call()
    {
        try
        {
            final String mirrorHost = RegistryHost.parse("--mirror", mirror, true);
            final Map<String, String> listeners = parseListeners(registryListeners);
            final List<String> hosts = RegistryHost.parseList("--registry", registries);
            for (final String registry : listeners.keySet())
            {
                if (!hosts.contains(registry))
                {
                    hosts.add(registry);
                }
            }
            if (hosts.isEmpty())
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG, "nothing to write: give --registry HOST[,HOST...]");
            }
            if (!file.getFileName().toString().endsWith(".conf"))
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG, "--file '" + file + "' does not end in .conf: " +
                    "registries.conf.d loads only *.conf files");
            }
            final RuntimeConfigFiles files = new RuntimeConfigFiles(NAME);
            final Map<String, String> mirrors = new LinkedHashMap<>();
            final List<String> shared = new ArrayList<>();
            for (final String host : hosts)
            {
                mirrors.put(host, listeners.getOrDefault(host, mirrorHost));
                if (!listeners.containsKey(host))
                {
                    shared.add(host);
                }
            }
            if (shared.size() > 1)
            {
                System.err.println(NAME + ": warning: " + String.join(", ", shared) + " share the mirror " +
                    mirrorHost + ", which sends a request that names no registry (all of CRI-O's) to the daemon's " +
                    "--registry-default only; give the others a listener each with --mirror-registry-listen, here " +
                    "and on the daemon");
            }
            files.add(file, registriesConf(mirrors));
            files.apply(dryRun, System.out);
            return 0;
        }
        catch (final StarlingException ex)
        {
            System.err.println(NAME + ": " + ex.describe());
            return ex.code().exitCode();
        }
    }

    /**
     * @param values {@code REGISTRY=HOST:PORT} values.
     * @return mirror address by registry host, in the order given.
     * @throws StarlingException {@link ErrorCode#BAD_CONFIG} for a malformed value or a registry named twice.
     */
    static Map<String, String> parseListeners(final List<String> values)
    {
        final Map<String, String> listeners = new LinkedHashMap<>();
        for (final String value : values)
        {
            final int eq = value.indexOf('=');
            if (eq <= 0)
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG, "--mirror-registry-listen '" + value + "' is not " +
                    "REGISTRY=HOST:PORT, e.g. quay.io=127.0.0.1:65011");
            }
            final String registry = RegistryHost.parse("--mirror-registry-listen", value.substring(0, eq), false);
            final String address = RegistryHost.parse("--mirror-registry-listen", value.substring(eq + 1), true);
            if (listeners.put(registry, address) != null)
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG, "--mirror-registry-listen names " + registry +
                    " twice");
            }
        }
        return listeners;
    }

    /**
     * @param mirrors the mirror's host:port for each registry host (each already validated), in file order.
     * @return the drop-in: one {@code [[registry]]} table per host, each with its mirror as its only mirror.
     */
    static String registriesConf(final Map<String, String> mirrors)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("# Written by ").append(NAME).append(": pull through Starling's registry mirror, then from the ")
            .append("registry.\n");
        for (final Map.Entry<String, String> e : mirrors.entrySet())
        {
            final String host = e.getKey();
            final String mirror = e.getValue();
            sb.append('\n')
                .append("[[registry]]\n")
                .append("location = \"").append(host).append("\"\n")
                .append('\n')
                .append("[[registry.mirror]]\n")
                .append("location = \"").append(mirror).append("\"\n")
                .append("insecure = true\n");
        }
        return sb.toString();
    }
}
