package dev.starling.cli;

import dev.starling.dataplane.error.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContainerdConfigCommandTest
{
    private static final String HEADER_LINE =
        "# Written by starling containerd-config: pull through Starling's registry mirror, then from the registry.\n";

    @TempDir
    Path dir;

    @Test
    void shouldPointDockerHubAtMirrorWithRegistry1AsServer() throws Exception
    {
        final InProcessRun run = InProcessRun.run("containerd-config", "--registry", "docker.io", "--dir", dir.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(HEADER_LINE +
            "server = \"https://registry-1.docker.io\"\n" +
            "\n" +
            "[host.\"http://127.0.0.1:65001\"]\n" +
            "  capabilities = [\"pull\", \"resolve\"]\n" +
            "  [host.\"http://127.0.0.1:65001\".header]\n" +
            "    X-Starling-Registry = [\"https://registry-1.docker.io\"]\n",
            Files.readString(dir.resolve("docker.io/hosts.toml")));
        assertTrue(run.out().contains("wrote " + dir.resolve("docker.io/hosts.toml")), run.out());
        assertTrue(run.out().contains("config_path"), run.out());
    }

    @Test
    void shouldWriteHostPortRegistryUnderItsHostPortDirectoryWithHttps() throws Exception
    {
        final InProcessRun run = InProcessRun.run("containerd-config", "--registry", "127.0.0.1:5000",
            "--dir", dir.toString(), "--mirror", "10.0.0.7:6001");

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(HEADER_LINE +
            "server = \"https://127.0.0.1:5000\"\n" +
            "\n" +
            "[host.\"http://10.0.0.7:6001\"]\n" +
            "  capabilities = [\"pull\", \"resolve\"]\n" +
            "  [host.\"http://10.0.0.7:6001\".header]\n" +
            "    X-Starling-Registry = [\"https://127.0.0.1:5000\"]\n",
            Files.readString(dir.resolve("127.0.0.1:5000/hosts.toml")));
    }

    @Test
    void shouldUsePlainHttpUpstreamOnlyForPlainHttpRegistries() throws Exception
    {
        final InProcessRun run = InProcessRun.run("containerd-config", "--registry", "localhost:5000,ghcr.io",
            "--plain-http", "localhost:5000", "--dir", dir.toString());

        assertEquals(0, run.exitCode(), run.err());
        final String local = Files.readString(dir.resolve("localhost:5000/hosts.toml"));
        assertTrue(local.contains("server = \"http://localhost:5000\"\n"), local);
        assertTrue(local.contains("X-Starling-Registry = [\"http://localhost:5000\"]\n"), local);
        final String ghcr = Files.readString(dir.resolve("ghcr.io/hosts.toml"));
        assertTrue(ghcr.contains("server = \"https://ghcr.io\"\n"), ghcr);
        assertTrue(ghcr.contains("X-Starling-Registry = [\"https://ghcr.io\"]\n"), ghcr);
    }

    @Test
    void shouldWriteOneFilePerRegistryFromListsAndRepeatedFlags()
    {
        final InProcessRun run = InProcessRun.run("containerd-config", "--registry", "docker.io,ghcr.io",
            "--registry", "quay.io", "--registry", "ghcr.io", "--dir", dir.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(List.of("docker.io", "ghcr.io", "quay.io"), children(dir));
        assertEquals(3, run.out().lines().filter(l -> l.contains(": wrote ")).count(), run.out());
    }

    @Test
    void shouldWriteDefaultWithoutServerOrHeaderWithAll() throws Exception
    {
        final InProcessRun run = InProcessRun.run("containerd-config", "--registry", "docker.io", "--all",
            "--dir", dir.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(List.of("_default", "docker.io"), children(dir));
        assertEquals("# Written by starling containerd-config: every registry without its own directory pulls " +
            "through Starling's registry mirror first.\n" +
            "[host.\"http://127.0.0.1:65001\"]\n" +
            "  capabilities = [\"pull\", \"resolve\"]\n",
            Files.readString(dir.resolve("_default/hosts.toml")));
    }

    @Test
    void shouldWriteOnlyDefaultWithAllAlone()
    {
        final InProcessRun run = InProcessRun.run("containerd-config", "--all", "--dir", dir.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(List.of("_default"), children(dir));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://ghcr.io", "ghcr.io/org", "docker.io:0", "docker.io:65536", "docker.io:http",
        "-bad.example", "under_score.io", "_default", "999.1.1.1", "[::1]:5000", " "})
    void shouldRefuseRegistryThatIsNotHostPortWithBadConfig(final String registry)
    {
        final InProcessRun run = InProcessRun.run("containerd-config", "--registry", registry, "--dir", dir.toString());

        assertEquals(ErrorCode.BAD_CONFIG.exitCode(), run.exitCode(), run.out());
        assertTrue(run.err().startsWith("starling containerd-config: BAD_CONFIG: --registry '"), run.err());
        assertTrue(run.err().contains("is not a registry host: give host or host:port without a scheme or path"),
            run.err());
        assertEquals(List.of(), children(dir));
    }

    @Test
    void shouldRefuseWholeListWhenOneRegistryIsBad()
    {
        final InProcessRun run = InProcessRun.run("containerd-config", "--registry", "docker.io,https://ghcr.io",
            "--dir", dir.toString());

        assertEquals(ErrorCode.BAD_CONFIG.exitCode(), run.exitCode());
        assertEquals(List.of(), children(dir));
    }

    @Test
    void shouldRefuseMirrorWithoutPort()
    {
        final InProcessRun run = InProcessRun.run("containerd-config", "--registry", "docker.io", "--mirror",
            "127.0.0.1", "--dir", dir.toString());

        assertEquals(ErrorCode.BAD_CONFIG.exitCode(), run.exitCode());
        assertTrue(run.err().contains("BAD_CONFIG: --mirror '127.0.0.1' is not HOST:PORT"), run.err());
    }

    @Test
    void shouldRefusePlainHttpHostMissingFromRegistries()
    {
        final InProcessRun run = InProcessRun.run("containerd-config", "--registry", "docker.io", "--plain-http",
            "127.0.0.1:5000", "--dir", dir.toString());

        assertEquals(ErrorCode.BAD_CONFIG.exitCode(), run.exitCode());
        assertTrue(run.err().contains("--plain-http '127.0.0.1:5000' is not one of the --registry hosts"), run.err());
    }

    @Test
    void shouldRefuseNeitherRegistryNorAll()
    {
        final InProcessRun run = InProcessRun.run("containerd-config", "--dir", dir.toString());

        assertEquals(ErrorCode.BAD_CONFIG.exitCode(), run.exitCode());
        assertTrue(run.err().contains("nothing to write"), run.err());
    }

    @Test
    void shouldPrintContentAndWriteNothingOnDryRun()
    {
        final InProcessRun run = InProcessRun.run("containerd-config", "--registry", "docker.io", "--all",
            "--dir", dir.toString(), "--dry-run");

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(List.of(), children(dir));
        assertTrue(run.out().contains("would write " + dir.resolve("docker.io/hosts.toml") + ":\n" + HEADER_LINE +
            "server = \"https://registry-1.docker.io\"\n"), run.out());
        assertTrue(run.out().contains("would write " + dir.resolve("_default/hosts.toml") + ":\n"), run.out());
    }

    @Test
    void shouldReplaceFileByRenameOnRerunAndLeaveNoTemporaryFiles() throws Exception
    {
        assertEquals(0, InProcessRun.run("containerd-config", "--registry", "ghcr.io", "--dir", dir.toString())
            .exitCode());
        final Path file = dir.resolve("ghcr.io/hosts.toml");
        final Object firstKey = Files.readAttributes(file, BasicFileAttributes.class).fileKey();

        final InProcessRun rerun = InProcessRun.run("containerd-config", "--registry", "ghcr.io", "--dir",
            dir.toString(), "--mirror", "127.0.0.1:7001");

        assertEquals(0, rerun.exitCode(), rerun.err());
        assertTrue(Files.readString(file).contains("[host.\"http://127.0.0.1:7001\"]"));
        assertFalse(Files.readString(file).contains("65001"));
        assertNotEquals(firstKey, Files.readAttributes(file, BasicFileAttributes.class).fileKey(),
            "a new inode: the file was renamed over, not rewritten in place");
        assertEquals(List.of("hosts.toml"), children(dir.resolve("ghcr.io")));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void shouldReportTargetNotWritableWhenDirIsAFile() throws Exception
    {
        final Path notADir = Files.writeString(dir.resolve("certs.d"), "");

        final InProcessRun run = InProcessRun.run("containerd-config", "--registry", "docker.io", "--dir",
            notADir.toString());

        assertEquals(ErrorCode.TARGET_NOT_WRITABLE.exitCode(), run.exitCode());
        assertTrue(run.err().contains("TARGET_NOT_WRITABLE: cannot write " + notADir.resolve("docker.io/hosts.toml")),
            run.err());
    }

    static List<String> children(final Path dir)
    {
        try (Stream<Path> s = Files.list(dir))
        {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
