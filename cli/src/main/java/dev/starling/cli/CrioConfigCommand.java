package dev.starling.cli;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code starling crio-config}: writes a containers-registries.conf(5) drop-in (version 2 format) that gives each
 * registry Starling's registry mirror as its first mirror. CRI-O, podman and skopeo read it; the registry itself is
 * still tried when the mirror fails. A drop-in replaces any earlier {@code [[registry]]} table with the same prefix.
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

    @Option(names = "--dry-run", description = "Print the file instead of writing it.")
    boolean dryRun;

    @Override
    public Integer call()
    {
        try
        {
            final String mirrorHost = RegistryHost.parse("--mirror", mirror, true);
            final List<String> hosts = RegistryHost.parseList("--registry", registries);
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
            files.add(file, registriesConf(hosts, mirrorHost));
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
     * @param hosts  registry hosts, each already validated.
     * @param mirror the mirror's host:port.
     * @return the drop-in: one {@code [[registry]]} table per host, each with the mirror as its only mirror.
     */
    static String registriesConf(final List<String> hosts, final String mirror)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("# Written by ").append(NAME).append(": pull through Starling's registry mirror, then from the ")
            .append("registry.\n");
        for (final String host : hosts)
        {
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
