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

import static dev.starling.cli.ContainerdConfigCommandTest.children;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CrioConfigCommandTest
{
    private static final String HEADER_LINE =
        "# Written by starling crio-config: pull through Starling's registry mirror, then from the registry.\n";

    @TempDir
    Path dir;

    @Test
    void shouldWriteOneRegistryTableWithTheMirrorForDockerHub() throws Exception
    {
        final Path file = dir.resolve("registries.conf.d/50-starling.conf");

        final InProcessRun run = InProcessRun.run("crio-config", "--registry", "docker.io", "--file", file.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(HEADER_LINE +
            "\n" +
            "[[registry]]\n" +
            "location = \"docker.io\"\n" +
            "\n" +
            "[[registry.mirror]]\n" +
            "location = \"127.0.0.1:65001\"\n" +
            "insecure = true\n",
            Files.readString(file));
        assertEquals("starling crio-config: wrote " + file + "\n", run.out());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void shouldWriteOneRegistryTablePerHostInOrderWithGivenMirror() throws Exception
    {
        final Path file = dir.resolve("50-starling.conf");

        final InProcessRun run = InProcessRun.run("crio-config", "--registry", "127.0.0.1:5000,quay.io",
            "--registry", "127.0.0.1:5000", "--mirror", "10.0.0.7:6001", "--file", file.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(HEADER_LINE +
            "\n" +
            "[[registry]]\n" +
            "location = \"127.0.0.1:5000\"\n" +
            "\n" +
            "[[registry.mirror]]\n" +
            "location = \"10.0.0.7:6001\"\n" +
            "insecure = true\n" +
            "\n" +
            "[[registry]]\n" +
            "location = \"quay.io\"\n" +
            "\n" +
            "[[registry.mirror]]\n" +
            "location = \"10.0.0.7:6001\"\n" +
            "insecure = true\n",
            Files.readString(file));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://quay.io", "quay.io/org", "quay.io:99999", "quay..io", "*.example.com", "a b"})
    void shouldRefuseRegistryThatIsNotHostPortWithBadConfig(final String registry)
    {
        final Path file = dir.resolve("50-starling.conf");

        final InProcessRun run = InProcessRun.run("crio-config", "--registry", registry, "--file", file.toString());

        assertEquals(ErrorCode.BAD_CONFIG.exitCode(), run.exitCode(), run.out());
        assertTrue(run.err().startsWith("starling crio-config: BAD_CONFIG: --registry '" + registry +
            "' is not a registry host"), run.err());
        assertEquals(List.of(), children(dir));
    }

    @Test
    void shouldRefuseMissingRegistry()
    {
        final InProcessRun run = InProcessRun.run("crio-config", "--file", dir.resolve("50-starling.conf").toString());

        assertEquals(ErrorCode.BAD_CONFIG.exitCode(), run.exitCode());
        assertTrue(run.err().contains("BAD_CONFIG: nothing to write: give --registry"), run.err());
    }

    @Test
    void shouldRefuseFileThatRegistriesConfDWouldNotLoad()
    {
        final InProcessRun run = InProcessRun.run("crio-config", "--registry", "docker.io", "--file",
            dir.resolve("50-starling.toml").toString());

        assertEquals(ErrorCode.BAD_CONFIG.exitCode(), run.exitCode());
        assertTrue(run.err().contains("does not end in .conf"), run.err());
        assertEquals(List.of(), children(dir));
    }

    @Test
    void shouldPrintContentAndWriteNothingOnDryRun()
    {
        final Path file = dir.resolve("50-starling.conf");

        final InProcessRun run = InProcessRun.run("crio-config", "--registry", "docker.io", "--file", file.toString(),
            "--dry-run");

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(List.of(), children(dir));
        assertEquals("starling crio-config: would write " + file + ":\n" + HEADER_LINE + "\n[[registry]]\n" +
            "location = \"docker.io\"\n\n[[registry.mirror]]\nlocation = \"127.0.0.1:65001\"\ninsecure = true\n",
            run.out());
    }

    @Test
    void shouldReplaceFileByRenameOnRerunAndLeaveNoTemporaryFiles() throws Exception
    {
        final Path file = dir.resolve("50-starling.conf");
        assertEquals(0, InProcessRun.run("crio-config", "--registry", "docker.io", "--file", file.toString())
            .exitCode());
        final Object firstKey = Files.readAttributes(file, BasicFileAttributes.class).fileKey();

        final InProcessRun rerun = InProcessRun.run("crio-config", "--registry", "ghcr.io", "--file", file.toString());

        assertEquals(0, rerun.exitCode(), rerun.err());
        final String content = Files.readString(file);
        assertTrue(content.contains("location = \"ghcr.io\"") && !content.contains("docker.io"), content);
        assertNotEquals(firstKey, Files.readAttributes(file, BasicFileAttributes.class).fileKey(),
            "a new inode: the file was renamed over, not rewritten in place");
        assertEquals(List.of("50-starling.conf"), children(dir));
    }

    @Test
    void shouldPointEachRegistryWithAListenerAtItsOwnMirrorPortAndAddItsTable() throws Exception
    {
        final Path file = dir.resolve("50-starling.conf");

        final InProcessRun run = InProcessRun.run("crio-config", "--registry", "docker.io,quay.io",
            "--mirror-registry-listen", "quay.io=127.0.0.1:65011,127.0.0.1:5000=127.0.0.1:65012", "--file",
            file.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.err());
        assertEquals(HEADER_LINE +
            "\n" +
            "[[registry]]\n" +
            "location = \"docker.io\"\n" +
            "\n" +
            "[[registry.mirror]]\n" +
            "location = \"127.0.0.1:65001\"\n" +
            "insecure = true\n" +
            "\n" +
            "[[registry]]\n" +
            "location = \"quay.io\"\n" +
            "\n" +
            "[[registry.mirror]]\n" +
            "location = \"127.0.0.1:65011\"\n" +
            "insecure = true\n" +
            "\n" +
            "[[registry]]\n" +
            "location = \"127.0.0.1:5000\"\n" +
            "\n" +
            "[[registry.mirror]]\n" +
            "location = \"127.0.0.1:65012\"\n" +
            "insecure = true\n",
            Files.readString(file));
    }

    @Test
    void shouldWarnWhenSeveralRegistriesShareTheMirrorPort()
    {
        final InProcessRun run = InProcessRun.run("crio-config", "--registry", "docker.io,quay.io", "--file",
            dir.resolve("50-starling.conf").toString());

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("starling crio-config: warning: docker.io, quay.io share the mirror " +
            "127.0.0.1:65001"), run.err());
        assertTrue(run.err().contains("--mirror-registry-listen"), run.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"quay.io", "=127.0.0.1:65011", "quay.io=127.0.0.1", "https://quay.io=127.0.0.1:1"})
    void shouldRefuseAMirrorRegistryListenThatIsNotRegistryEqualsHostPort(final String value)
    {
        final InProcessRun run = InProcessRun.run("crio-config", "--mirror-registry-listen", value, "--file",
            dir.resolve("50-starling.conf").toString());

        assertEquals(ErrorCode.BAD_CONFIG.exitCode(), run.exitCode(), run.out());
        assertTrue(run.err().contains("BAD_CONFIG: --mirror-registry-listen"), run.err());
        assertEquals(List.of(), children(dir));
    }
}
