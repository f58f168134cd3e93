package dev.starling.cli;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RuntimeConfigFilesTest
{
    @TempDir
    Path tmp;

    @Test
    void shouldWriteAtomicallyWithReadablePermissionsAndNoTemporaryLeft() throws Exception
    {
        final Path target = tmp.resolve("a/b/hosts.toml");
        RuntimeConfigFiles.writeAtomically(target, "first\n");
        RuntimeConfigFiles.writeAtomically(target, "second\n");
        assertEquals("second\n", Files.readString(target));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        try (Stream<Path> files = Files.list(target.getParent()))
        {
            assertEquals(1, files.count(), "a temporary file was left behind");
        }
    }

    @Test
    void shouldReportATargetThatCannotBeWritten() throws Exception
    {
        final Path blocker = tmp.resolve("file");
        Files.writeString(blocker, "x");
        final StarlingException ex = assertThrows(StarlingException.class,
            () -> RuntimeConfigFiles.writeAtomically(blocker.resolve("hosts.toml"), "y"));
        assertEquals(ErrorCode.TARGET_NOT_WRITABLE, ex.code());
    }
}
