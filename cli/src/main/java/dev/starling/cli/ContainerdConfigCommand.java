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
 * {@code starling containerd-config}: writes containerd registry host files ({@code <dir>/<host>/hosts.toml}, the
 * format of containerd 1.5 and later) that send pulls through Starling's registry mirror first and fall back to the
 * registry itself. containerd tells the mirror the registry by the {@code ns} query parameter; the files add an
 * {@code X-Starling-Registry} header with the upstream URL as well, for requests that carry no {@code ns}.
 */
@Command(name = "containerd-config", mixinStandardHelpOptions = true,
    description = {"Write containerd hosts.toml files that pull through Starling's registry mirror.",
        "containerd's CRI plugin reads them when config.toml sets config_path to the directory."})
final class ContainerdConfigCommand implements Callable<Integer>
{
    static final String NAME = "starling containerd-config";
    static final String DEFAULT_DIR = "/etc/containerd/certs.d";
    static final String DEFAULT_MIRROR = "127.0.0.1:65001";
    static final String REGISTRY_HEADER = "X-Starling-Registry";

    private static final String DOCKER_HUB = "docker.io";
    private static final String DOCKER_HUB_ENDPOINT = "registry-1.docker.io";

    @Option(names = "--registry", split = ",", paramLabel = "HOST",
        description = "Registry hosts to mirror, e.g. docker.io,ghcr.io,127.0.0.1:5000 (repeatable).")
    List<String> registries = new ArrayList<>();

    @Option(names = "--all", description = "Also write _default/hosts.toml: every other registry through the mirror.")
    boolean all;

    @Option(names = "--dir", paramLabel = "DIR", description = "containerd's config_path (default " + DEFAULT_DIR + ").")
    Path dir = Path.of(DEFAULT_DIR);

    @Option(names = "--mirror", paramLabel = "HOST:PORT",
        description = "Starling's registry mirror, plain HTTP (default " + DEFAULT_MIRROR + ").")
    String mirror = DEFAULT_MIRROR;

    @Option(names = "--plain-http", split = ",", paramLabel = "HOST",
        description = "Registries (from --registry) that serve plain HTTP, not HTTPS.")
    List<String> plainHttp = new ArrayList<>();

    @Option(names = "--dry-run", description = "Print the files instead of writing them.")
    boolean dryRun;

    @Override
    public Integer call()
    {
        try
        {
            final String mirrorHost = RegistryHost.parse("--mirror", mirror, true);
            final List<String> hosts = RegistryHost.parseList("--registry", registries);
            final List<String> plain = RegistryHost.parseList("--plain-http", plainHttp);
            if (hosts.isEmpty() && !all)
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG,
                    "nothing to write: give --registry HOST[,HOST...], --all, or both");
            }
            for (final String host : plain)
            {
                if (!hosts.contains(host))
                {
                    throw new StarlingException(ErrorCode.BAD_CONFIG, "--plain-http '" + host +
                        "' is not one of the --registry hosts " + hosts);
                }
            }
            final RuntimeConfigFiles files = new RuntimeConfigFiles(NAME);
            for (final String host : hosts)
            {
                files.add(dir.resolve(host).resolve("hosts.toml"),
                    registryHostsToml(upstreamUrl(host, plain.contains(host)), mirrorHost));
            }
            if (all)
            {
                files.add(dir.resolve("_default").resolve("hosts.toml"), defaultHostsToml(mirrorHost));
            }
            files.apply(dryRun, System.out);
            System.out.println(NAME + ": containerd's CRI plugin reads " + dir + " only with config_path = \"" + dir +
                "\" under [plugins.\"io.containerd.grpc.v1.cri\".registry] in /etc/containerd/config.toml " +
                "(restart containerd after setting it once; later changes to hosts.toml need no restart)");
            return 0;
        }
        catch (final StarlingException ex)
        {
            System.err.println(NAME + ": " + ex.describe());
            return ex.code().exitCode();
        }
    }

    /**
     * @param host      the registry host as image references name it.
     * @param plainHttp true when the registry serves plain HTTP.
     * @return the URL containerd reaches the registry on; Docker Hub's API is not on {@code docker.io} itself.
     */
    static String upstreamUrl(final String host, final boolean plainHttp)
    {
        return (plainHttp ? "http://" : "https://") + (DOCKER_HUB.equals(host) ? DOCKER_HUB_ENDPOINT : host);
    }

    /**
     * @param upstreamUrl the registry's URL, tried after the mirror.
     * @param mirror      the mirror's host:port.
     * @return hosts.toml for one registry.
     */
    static String registryHostsToml(final String upstreamUrl, final String mirror)
    {
        final String mirrorUrl = "http://" + mirror;
        return "# Written by " + NAME + ": pull through Starling's registry mirror, then from the registry.\n" +
            "server = \"" + upstreamUrl + "\"\n" +
            "\n" +
            "[host.\"" + mirrorUrl + "\"]\n" +
            "  capabilities = [\"pull\", \"resolve\"]\n" +
            "  [host.\"" + mirrorUrl + "\".header]\n" +
            "    " + REGISTRY_HEADER + " = [\"" + upstreamUrl + "\"]\n";
    }

    /**
     * @param mirror the mirror's host:port.
     * @return hosts.toml for {@code _default}: no server, so containerd falls back to the registry the image names,
     *     and no header, so the mirror takes the registry from containerd's {@code ns} parameter.
     */
    static String defaultHostsToml(final String mirror)
    {
        final String mirrorUrl = "http://" + mirror;
        return "# Written by " + NAME + ": every registry without its own directory pulls through Starling's " +
            "registry mirror first.\n" +
            "[host.\"" + mirrorUrl + "\"]\n" +
            "  capabilities = [\"pull\", \"resolve\"]\n";
    }
}
