package dev.starling.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code starling} as a real child process with this test JVM's classpath and JVM flags (the project's
 * flags arrive through surefire's argLine, Chronicle's analytics switch included), capturing its output to files.
 */
final class StarlingProcess implements AutoCloseable
{
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private StarlingProcess(final Process process, final Path stdout, final Path stderr)
    {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static StarlingProcess start(final Path workDir, final String... args) throws IOException
    {
        return start(workDir, List.of(), args);
    }

    /**
     * @param jvmArgs extra JVM arguments (system properties) for the child.
     */
    static StarlingProcess start(final Path workDir, final List<String> jvmArgs, final String... args) throws IOException
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (!arg.startsWith("-javaagent") && !arg.startsWith("-agentlib"))
            {
                cmd.add(arg);
            }
        }
        cmd.add("-Xmx256m");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Files.createDirectories(workDir);
        final Path out = Files.createTempFile(workDir, "stdout-", ".txt");
        final Path err = Files.createTempFile(workDir, "stderr-", ".txt");
        final Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        return new StarlingProcess(p, out, err);
    }

    /**
     * Runs to completion.
     *
     * @return the exit code.
     */
    static Result run(final Path workDir, final String... args) throws Exception
    {
        try (StarlingProcess p = start(workDir, args))
        {
            return p.await(120);
        }
    }

    Result await(final long timeoutSeconds) throws Exception
    {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor();
            throw new AssertionError("starling did not finish within " + timeoutSeconds + " s; stderr:\n" + stderr());
        }
        return new Result(process.exitValue(), stdout(), stderr());
    }

    /**
     * Waits until stdout holds a line containing {@code marker}.
     *
     * @return that line.
     */
    String awaitStdoutLine(final String marker, final long timeoutSeconds) throws Exception
    {
        final long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (System.nanoTime() < deadline)
        {
            for (final String line : stdout().split("\n"))
            {
                if (line.contains(marker))
                {
                    return line;
                }
            }
            if (!process.isAlive())
            {
                throw new AssertionError("process exited " + process.exitValue() + " before '" + marker + "'; stderr:\n" + stderr());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
        throw new AssertionError("no '" + marker + "' within " + timeoutSeconds + " s; stderr:\n" + stderr());
    }

    /**
     * Sends SIGTERM and waits for the process to end.
     *
     * @return the exit code.
     */
    int terminate() throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor();
        }
        return process.exitValue();
    }

    void kill9() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor();
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    String stdout() throws IOException
    {
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    String stderr() throws IOException
    {
        return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception
    {
        if (process.isAlive())
        {
            kill9();
        }
    }

    record Result(int exitCode, String stdout, String stderr)
    {
        @Override
        public String toString()
        {
            return "exit " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }
}
