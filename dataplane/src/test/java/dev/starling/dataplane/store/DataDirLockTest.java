package dev.starling.dataplane.store;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class DataDirLockTest
{
    private static final int PROBE_ACQUIRED = 0;
    private static final int PROBE_LOCKED = 3;
    private static final int PROBE_OTHER = 4;

    @TempDir
    Path dataDir;

    /** Runs in a second JVM: tries to take the lock and says by exit status whether it could. */
    static final class Probe
    {
        public static void main(final String[] args)
        {
            try (DataDirLock ignored = DataDirLock.acquire(Path.of(args[0])))
            {
                System.exit(PROBE_ACQUIRED);
            }
            catch (final StarlingException ex)
            {
                System.exit(ex.code() == ErrorCode.DATA_DIR_LOCKED ? PROBE_LOCKED : PROBE_OTHER);
            }
        }
    }

    private int probeFromAnotherProcess() throws Exception
    {
        // The probe runs with this JVM's flags (the surefire argLine) and class path.
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName(), dataDir.toString()));
        final Process process = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
        try
        {
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "probe process did not exit");
            return process.exitValue();
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    @Test
    void shouldWriteOwnerPidIntoLockFile() throws Exception
    {
        try (DataDirLock ignored = DataDirLock.acquire(dataDir))
        {
            final String content = Files.readString(dataDir.resolve(DataDirLock.FILE_NAME), StandardCharsets.US_ASCII);
            assertEquals(ProcessHandle.current().pid() + "\n", content);
        }
    }

    @Test
    void shouldFailSecondAcquireInSameProcessWithDataDirLockedNamingThePid()
    {
        try (DataDirLock ignored = DataDirLock.acquire(dataDir))
        {
            final StarlingException ex = assertThrows(StarlingException.class, () -> DataDirLock.acquire(dataDir));

            assertEquals(ErrorCode.DATA_DIR_LOCKED, ex.code());
            assertTrue(ex.getMessage().contains("pid " + ProcessHandle.current().pid()), ex.getMessage());
        }
    }

    @Test
    void shouldAcquireAgainAfterClose()
    {
        DataDirLock.acquire(dataDir).close();

        try (DataDirLock again = DataDirLock.acquire(dataDir))
        {
            assertEquals(ErrorCode.DATA_DIR_LOCKED,
                assertThrows(StarlingException.class, () -> DataDirLock.acquire(dataDir)).code());
        }
    }

    @Test
    void shouldOverwriteStalePidLeftByDeadOwner() throws Exception
    {
        Files.writeString(dataDir.resolve(DataDirLock.FILE_NAME), "999999999999\nleftover bytes\n");

        try (DataDirLock ignored = DataDirLock.acquire(dataDir))
        {
            assertEquals(ProcessHandle.current().pid() + "\n",
                Files.readString(dataDir.resolve(DataDirLock.FILE_NAME), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void shouldFailWithDataDirUnusableWhenDataDirIsMissing()
    {
        final StarlingException ex = assertThrows(StarlingException.class,
            () -> DataDirLock.acquire(dataDir.resolve("missing")));

        assertEquals(ErrorCode.DATA_DIR_UNUSABLE, ex.code());
    }

    @Test
    void shouldBeHeldAgainstAnotherProcessWhileOpen() throws Exception
    {
        try (DataDirLock ignored = DataDirLock.acquire(dataDir))
        {
            assertEquals(PROBE_LOCKED, probeFromAnotherProcess());
        }
        assertEquals(PROBE_ACQUIRED, probeFromAnotherProcess());
    }

    @Test
    void shouldStayHeldAgainstAnotherProcessAfterAFailedAcquireInSameProcess() throws Exception
    {
        try (DataDirLock ignored = DataDirLock.acquire(dataDir))
        {
            assertThrows(StarlingException.class, () -> DataDirLock.acquire(dataDir));

            assertEquals(PROBE_LOCKED, probeFromAnotherProcess(),
                "a failed second acquire must not drop the lock this process holds");
        }
    }
}
