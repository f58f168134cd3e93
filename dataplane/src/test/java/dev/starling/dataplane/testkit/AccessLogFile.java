package dev.starling.dataplane.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Reading a real server's access log while it runs (nginx, docker-registry): the whole lines written so far, and
 * waiting for entries that match. Shared by the test kits' servers.
 */
final class AccessLogFile
{
    private AccessLogFile()
    {
    }

    /**
     * @param file   the log file.
     * @param parser turns one line into an entry.
     * @return the entries of every complete line, oldest first; none when the file does not exist yet.
     */
    static List<AccessLogEntry> read(final Path file, final Function<String, AccessLogEntry> parser)
    {
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        }
        catch (final NoSuchFileException ex)
        {
            return List.of();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }

        // A line still being written has no newline yet; leave it for the next call.
        final int end = text.lastIndexOf('\n');
        final List<AccessLogEntry> entries = new ArrayList<>();
        if (end >= 0)
        {
            for (final String line : text.substring(0, end).split("\n"))
            {
                entries.add(parser.apply(line));
            }
        }
        return entries;
    }

    /**
     * Waits until the log holds at least {@code count} entries that match.
     *
     * @param log     reads the log.
     * @param matcher which entries count.
     * @param count   how many matching entries to wait for.
     * @param timeout how long to wait.
     * @return all matching entries, oldest first.
     * @throws AssertionError if fewer than {@code count} match within the timeout.
     */
    static List<AccessLogEntry> await(
        final Supplier<List<AccessLogEntry>> log,
        final Predicate<AccessLogEntry> matcher,
        final int count,
        final Duration timeout)
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            final List<AccessLogEntry> matching = log.get().stream().filter(matcher).collect(Collectors.toList());
            if (matching.size() >= count)
            {
                return matching;
            }
            if (System.nanoTime() - deadlineNs >= 0)
            {
                throw new AssertionError("expected " + count + " matching access log entries within " + timeout +
                    " but found " + matching.size() + "; whole log: " + log.get());
            }
            TestServers.pause("the access log");
        }
    }
}
