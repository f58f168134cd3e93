package dev.starling.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs {@link Main#execute} in this JVM with stdout and stderr captured, for commands that need no process of their
 * own. Swaps {@link System#out} and {@link System#err} while it runs, so tests using it must not run in parallel.
 *
 * @param exitCode what {@code Main.execute} returned.
 * @param out      what the command printed on stdout.
 * @param err      what the command printed on stderr.
 */
record InProcessRun(int exitCode, String out, String err)
{
    /**
     * @param args the command line, without {@code starling}.
     * @return the exit code and the captured output.
     */
    static InProcessRun run(final String... args)
    {
        final PrintStream oldOut = System.out;
        final PrintStream oldErr = System.err;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8))
        {
            System.setOut(o);
            System.setErr(e);
            final int code = Main.execute(args);
            o.flush();
            e.flush();
            return new InProcessRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
        finally
        {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
