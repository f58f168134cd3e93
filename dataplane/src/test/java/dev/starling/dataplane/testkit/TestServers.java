package dev.starling.dataplane.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the test kits' real servers (nginx, docker-registry) share: polling, a connect probe, reading a log that
 * may not exist yet.
 */
final class TestServers
{
    private static final long POLL_INTERVAL_MS = 10;
    private static final int CONNECT_TIMEOUT_MS = 200;

    private TestServers()
    {
    }

    /**
     * @param port a loopback port.
     * @return true when something accepts connections on it.
     */
    static boolean accepts(final int port)
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), CONNECT_TIMEOUT_MS);
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /**
     * @param file a log file.
     * @return its text, or "" when it cannot be read (yet).
     */
    static String readQuietly(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    /**
     * Sleeps one poll interval.
     *
     * @param waitingFor what the caller waits for, for the error when interrupted.
     */
    static void pause(final String waitingFor)
    {
        try
        {
            Thread.sleep(POLL_INTERVAL_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + waitingFor, ex);
        }
    }
}
