package dev.starling.dataplane.testkit;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A minimal HTTP/1.1 origin for faults a real server cannot produce on demand: nginx can be made slow
 * ({@code limit_rate}) or refuse ranges, but it cannot reset a connection at a chosen byte of a response. This is a
 * test double, not a web server: prefer {@link NginxOrigin} for everything it can do.
 * <p>
 * It serves one in-memory body at every path. GET and HEAD only (other methods get 405); a single
 * {@code Range: bytes=a-b}, {@code bytes=a-} or {@code bytes=-n} gets 206 with Content-Range, an unsatisfiable one
 * 416, and a malformed or multi-range header is ignored (200, whole body). Connections are kept alive unless the
 * client asks otherwise. Request bodies are skipped; chunked request bodies are not supported.
 * <p>
 * The fault, armed with {@link #resetAfterBytes(long, int)}: a GET response whose body includes the byte at absolute
 * content offset {@code n} writes the body bytes before {@code n}, then closes the socket with {@code SO_LINGER 0}, so
 * the client sees a TCP RST instead of the rest of the body. An abortive close discards bytes the kernel has not yet
 * sent, so before it the origin waits (up to 5 s, reading Linux's {@code /proc/net/tcp}) until the client has
 * acknowledged every byte written: a client that keeps reading receives exactly the bytes before {@code n}, then
 * "connection reset". A client that stops reading receives fewer.
 * <p>
 * Plain {@link ServerSocket} and one thread per connection, independent of the code under test. Bound to 127.0.0.1
 * on a port the OS picks. The test owns the instance and must {@link #close()} it. Methods may be called from any
 * thread.
 */
public final class FaultyOrigin implements AutoCloseable
{
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final int WRITE_CHUNK_BYTES = 64 * 1024;
    private static final long CLOSE_TIMEOUT_MS = 5_000;
    private static final long DRAIN_TIMEOUT_MS = 5_000;
    private static final String TCP_STATE_TIME_WAIT = "06";
    private static final long[] UNSATISFIABLE = new long[0];

    private final byte[] body;
    private final ServerSocket serverSocket;
    private final ExecutorService threads;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Fault> fault = new AtomicReference<>();
    private final AtomicLong requestCount = new AtomicLong();
    private final AtomicLong bodyBytesServed = new AtomicLong();
    private final AtomicInteger resetCount = new AtomicInteger();
    private volatile boolean closed;

    private FaultyOrigin(final byte[] body, final ServerSocket serverSocket)
    {
        this.body = body;
        this.serverSocket = serverSocket;
        final int port = serverSocket.getLocalPort();
        final AtomicInteger threadCount = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(task ->
        {
            final Thread thread = new Thread(task, "faulty-origin-" + port + "-" + threadCount.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        threads.execute(this::acceptLoop);
    }

    /**
     * @param body the content served at every path; the origin keeps the array (caller retains it but must not change
     *             it while the origin runs).
     * @return the running origin; the caller owns it and must close it.
     * @throws IOException if no loopback port can be bound.
     */
    public static FaultyOrigin start(final byte[] body) throws IOException
    {
        final ServerSocket serverSocket = new ServerSocket();
        try
        {
            serverSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }
        catch (final IOException ex)
        {
            serverSocket.close();
            throw ex;
        }
        return new FaultyOrigin(body, serverSocket);
    }

    /**
     * Arm the reset fault, replacing any earlier one: the next {@code times} GET responses whose body includes the byte
     * at {@code offsetBytes} are cut there with an RST; later ones are served whole.
     *
     * @param offsetBytes absolute content offset at which to cut; 0 resets right after the headers of a response that
     *                    starts at offset 0.
     * @param times       how many responses to cut.
     * @return this.
     */
    public FaultyOrigin resetAfterBytes(final long offsetBytes, final int times)
    {
        if (offsetBytes < 0 || times < 0)
        {
            throw new IllegalArgumentException("offset and times must not be negative: " + offsetBytes + ", " + times);
        }
        fault.set(new Fault(offsetBytes, times));
        return this;
    }

    /**
     * @return the port the origin listens on, on 127.0.0.1.
     */
    public int port()
    {
        return serverSocket.getLocalPort();
    }

    /**
     * @param pathAndQuery absolute path, optionally with a query; any path serves the same body.
     * @return the URL of that path on this origin.
     */
    public URI url(final String pathAndQuery)
    {
        if (!pathAndQuery.startsWith("/"))
        {
            throw new IllegalArgumentException("path must start with '/': " + pathAndQuery);
        }
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    /**
     * @return requests read so far, of any method and outcome.
     */
    public long requestCount()
    {
        return requestCount.get();
    }

    /**
     * @return response body bytes written to sockets so far, including those of cut responses.
     */
    public long bodyBytesServed()
    {
        return bodyBytesServed.get();
    }

    /**
     * @return how many responses the fault has cut so far.
     */
    public int resetCount()
    {
        return resetCount.get();
    }

    /**
     * Stop accepting, close every connection and wait for the connection threads to end. Idempotent.
     */
    @Override
    public void close()
    {
        closed = true;
        closeQuietly(serverSocket);
        for (final Socket connection : connections)
        {
            closeQuietly(connection);
        }
        threads.shutdownNow();
        try
        {
            if (!threads.awaitTermination(CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS))
            {
                throw new IllegalStateException(
                    "faulty origin threads still running after " + CLOSE_TIMEOUT_MS + " ms");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop()
    {
        while (!closed)
        {
            final Socket connection;
            try
            {
                connection = serverSocket.accept();
            }
            catch (final IOException ex)
            {
                // Closed by close(); anything else on a loopback listener is not worth retrying in a test.
                return;
            }
            connections.add(connection);
            if (closed)
            {
                // close() may have walked the connections before this one was added.
                connections.remove(connection);
                closeQuietly(connection);
                return;
            }
            try
            {
                threads.execute(() -> serve(connection));
            }
            catch (final RuntimeException ex)
            {
                // Rejected because close() is shutting the pool down.
                connections.remove(connection);
                closeQuietly(connection);
            }
        }
    }

    private void serve(final Socket connection)
    {
        try
        {
            connection.setTcpNoDelay(true);
            final InputStream in = new BufferedInputStream(connection.getInputStream());
            final OutputStream out = new BufferedOutputStream(connection.getOutputStream(), WRITE_CHUNK_BYTES);
            while (!closed)
            {
                final Request request = Request.read(in);
                if (request == null)
                {
                    return;
                }
                requestCount.incrementAndGet();
                if (!respond(request, connection, in, out))
                {
                    return;
                }
            }
        }
        catch (final IOException ex)
        {
            // The client went away or close() closed the socket: nothing to tell anyone.
        }
        finally
        {
            connections.remove(connection);
            closeQuietly(connection);
        }
    }

    /**
     * @return true to keep the connection for another request.
     */
    private boolean respond(
        final Request request, final Socket connection, final InputStream in, final OutputStream out)
        throws IOException
    {
        if (request.header("transfer-encoding") != null)
        {
            writeHead(out, "501 Not Implemented", 0, null, false);
            out.flush();
            return false;
        }
        final String contentLength = request.header("content-length");
        if (contentLength != null)
        {
            skipFully(in, Long.parseLong(contentLength.trim()));
        }

        final boolean keepAlive = request.keepAlive();
        final boolean head = "HEAD".equals(request.method);
        if (!head && !"GET".equals(request.method))
        {
            out.write(ascii("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Length: 0\r\n" +
                (keepAlive ? "" : "Connection: close\r\n") + "\r\n"));
            out.flush();
            return keepAlive;
        }

        final long length = body.length;
        final long[] range = parseRange(request.header("range"), length);
        if (range == UNSATISFIABLE)
        {
            writeHead(out, "416 Range Not Satisfiable", 0, "bytes */" + length, keepAlive);
            out.flush();
            return keepAlive;
        }
        final long start = range == null ? 0 : range[0];
        final long end = range == null ? length : range[1];
        if (range == null)
        {
            writeHead(out, "200 OK", length, null, keepAlive);
        }
        else
        {
            writeHead(out, "206 Partial Content", end - start, "bytes " + start + "-" + (end - 1) + "/" + length,
                keepAlive);
        }
        if (head)
        {
            out.flush();
            return keepAlive;
        }

        final Fault armed = fault.get();
        if (armed != null && start <= armed.offsetBytes && armed.offsetBytes < end && armed.claim())
        {
            writeBody(out, start, armed.offsetBytes);
            out.flush();
            awaitSendQueueDrained(connection);
            resetCount.incrementAndGet();
            connection.setSoLinger(true, 0);
            connection.close();
            return false;
        }
        writeBody(out, start, end);
        out.flush();
        return keepAlive;
    }

    private void writeBody(final OutputStream out, final long start, final long end) throws IOException
    {
        int position = (int)start;
        while (position < end)
        {
            final int length = (int)Math.min(WRITE_CHUNK_BYTES, end - position);
            // Counted before the write: a client may read the last byte before a count made after it.
            bodyBytesServed.addAndGet(length);
            out.write(body, position, length);
            out.flush();
            position += length;
        }
    }

    /**
     * An abortive close throws away whatever the kernel has not yet sent, so wait until the peer has acknowledged every
     * byte written; on loopback that means the bytes sit in the client's receive queue, which a reset leaves readable.
     * Linux shows unacknowledged bytes as {@code tx_queue} in {@code /proc/net/tcp} and {@code /proc/net/tcp6}; where
     * the connection cannot be found there, or the client stops reading, this gives up and the reset may cut earlier.
     */
    private static void awaitSendQueueDrained(final Socket connection)
    {
        final String localPort = String.format(":%04X", connection.getLocalPort());
        final String remotePort = String.format(":%04X", connection.getPort());
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_TIMEOUT_MS);
        while (System.nanoTime() - deadlineNs < 0)
        {
            final long unacknowledged = Math.max(
                unacknowledgedBytes(Path.of("/proc/net/tcp"), localPort, remotePort),
                unacknowledgedBytes(Path.of("/proc/net/tcp6"), localPort, remotePort));
            if (unacknowledged <= 0)
            {
                return;
            }
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * @return the connection's tx_queue, or -1 if the table does not list it.
     */
    private static long unacknowledgedBytes(final Path table, final String localPort, final String remotePort)
    {
        final List<String> rows;
        try
        {
            rows = Files.readAllLines(table, StandardCharsets.US_ASCII);
        }
        catch (final IOException ex)
        {
            return -1;
        }
        for (final String row : rows)
        {
            // sl local_address rem_address st tx_queue:rx_queue ...
            final String[] fields = row.trim().split("\\s+");
            if (fields.length > 4 && fields[1].endsWith(localPort) && fields[2].endsWith(remotePort) &&
                !TCP_STATE_TIME_WAIT.equals(fields[3]))
            {
                return Long.parseLong(fields[4].substring(0, fields[4].indexOf(':')), 16);
            }
        }
        return -1;
    }

    private static void writeHead(
        final OutputStream out, final String status, final long contentLength, final String contentRange,
        final boolean keepAlive) throws IOException
    {
        final StringBuilder head = new StringBuilder(256)
            .append("HTTP/1.1 ").append(status).append("\r\n")
            .append("Content-Type: application/octet-stream\r\n")
            .append("Accept-Ranges: bytes\r\n")
            .append("Content-Length: ").append(contentLength).append("\r\n");
        if (contentRange != null)
        {
            head.append("Content-Range: ").append(contentRange).append("\r\n");
        }
        if (!keepAlive)
        {
            head.append("Connection: close\r\n");
        }
        out.write(ascii(head.append("\r\n").toString()));
    }

    /**
     * @return null to serve the whole body, {@link #UNSATISFIABLE}, or {start, endExclusive}.
     */
    private static long[] parseRange(final String header, final long length)
    {
        if (header == null)
        {
            return null;
        }
        final String value = header.trim();
        if (!value.regionMatches(true, 0, "bytes=", 0, 6) || value.indexOf(',') >= 0)
        {
            return null;
        }
        final String spec = value.substring(6).trim();
        final int dash = spec.indexOf('-');
        if (dash < 0)
        {
            return null;
        }
        try
        {
            final String first = spec.substring(0, dash).trim();
            final String last = spec.substring(dash + 1).trim();
            if (first.isEmpty())
            {
                final long suffix = Long.parseLong(last);
                if (suffix <= 0 || length == 0)
                {
                    return UNSATISFIABLE;
                }
                return new long[]{ Math.max(0, length - suffix), length };
            }
            final long start = Long.parseLong(first);
            final long lastByte = last.isEmpty() ? Long.MAX_VALUE : Long.parseLong(last);
            if (start < 0 || lastByte < start)
            {
                return null;
            }
            if (start >= length)
            {
                return UNSATISFIABLE;
            }
            return new long[]{ start, Math.min(lastByte, length - 1) + 1 };
        }
        catch (final NumberFormatException ex)
        {
            return null;
        }
    }

    private static void skipFully(final InputStream in, final long count) throws IOException
    {
        long remaining = count;
        while (remaining > 0)
        {
            if (in.read() < 0)
            {
                throw new IOException("request body ended early");
            }
            remaining -= 1 + in.skip(remaining - 1);
        }
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static void closeQuietly(final AutoCloseable closeable)
    {
        try
        {
            closeable.close();
        }
        catch (final Exception ex)
        {
            // Closing is best effort: the socket may already be gone.
        }
    }

    private static final class Fault
    {
        private final long offsetBytes;
        private final AtomicInteger remaining;

        private Fault(final long offsetBytes, final int times)
        {
            this.offsetBytes = offsetBytes;
            this.remaining = new AtomicInteger(times);
        }

        boolean claim()
        {
            return remaining.getAndUpdate(count -> count > 0 ? count - 1 : 0) > 0;
        }
    }

    private static final class Request
    {
        private final String method;
        private final String version;
        private final Map<String, String> headers;

        private Request(final String method, final String version, final Map<String, String> headers)
        {
            this.method = method;
            this.version = version;
            this.headers = headers;
        }

        /**
         * @return the next request's head, or null at a clean end of stream.
         */
        static Request read(final InputStream in) throws IOException
        {
            final String head = readHead(in);
            if (head == null)
            {
                return null;
            }
            final String[] lines = head.split("\r\n");
            final String[] requestLine = lines[0].split(" ");
            if (requestLine.length != 3)
            {
                throw new IOException("malformed request line: " + lines[0]);
            }
            final Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++)
            {
                final int colon = lines[i].indexOf(':');
                if (colon > 0)
                {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
                }
            }
            return new Request(requestLine[0], requestLine[2], headers);
        }

        private static String readHead(final InputStream in) throws IOException
        {
            final StringBuilder head = new StringBuilder();
            int matched = 0;
            while (true)
            {
                final int b = in.read();
                if (b < 0)
                {
                    if (head.length() == 0)
                    {
                        return null;
                    }
                    throw new IOException("connection closed inside a request head");
                }
                if (head.length() == MAX_HEADER_BYTES)
                {
                    throw new IOException("request head larger than " + MAX_HEADER_BYTES + " bytes");
                }
                head.append((char)b);
                matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == 4)
                {
                    return head.substring(0, head.length() - 4);
                }
            }
        }

        String header(final String lowerCaseName)
        {
            return headers.get(lowerCaseName);
        }

        boolean keepAlive()
        {
            final String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
            if ("HTTP/1.0".equals(version))
            {
                return connection.contains("keep-alive");
            }
            return !connection.contains("close");
        }
    }
}
