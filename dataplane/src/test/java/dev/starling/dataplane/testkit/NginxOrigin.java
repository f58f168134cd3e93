package dev.starling.dataplane.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A real nginx, started as a child process of the test JVM, serving a directory the test fills.
 * <p>
 * Locations, all on {@code http://127.0.0.1:<port>}:
 * <ul>
 *     <li>{@code /files/<name>}: the files in {@link #filesDir()}, with Content-Length; byte ranges unless
 *     {@link Builder#rangesEnabled(boolean) disabled}, in which case nginx ({@code max_ranges 0}) answers a Range
 *     request with 200 and the whole file.</li>
 *     <li>{@code /private/<name>}: the files in {@link #privateDir()}; 401 unless the request carries
 *     {@code Authorization: }{@value #PRIVATE_AUTHORIZATION}.</li>
 *     <li>{@code /redirect/<name>}: 302 to {@code /files/<name>}, query string kept.</li>
 *     <li>{@code /chunked/<name>}: the files in {@link #filesDir()} again, but with {@code Transfer-Encoding: chunked},
 *     no Content-Length and no byte ranges (a Range request gets 200). nginx has no switch for this on a static
 *     file; it drops the length when a body filter may change it, so this location runs the always-present
 *     {@code ngx_http_sub_module} with a {@code sub_filter} that replaces a marker by itself: a no-op on the bytes
 *     that still makes nginx stream the file chunked. An empty file keeps {@code Content-Length: 0} (the filter
 *     skips empty bodies), an HTTP/1.0 request gets a close-delimited body instead of chunks, and the access log
 *     counts the chunk framing in the body bytes.</li>
 *     <li>anything else: 404.</li>
 * </ul>
 * Every request leaves a line in an access log that {@link #accessLog()} parses, so a test can assert how many body
 * bytes the origin served ({@link #bodyBytesSentFor(String)}), aborted transfers included. nginx writes the line when
 * it finishes with the request, which may be shortly after the client saw the last byte, or, for a client that went
 * away, when nginx next fails to write to it: use {@link #awaitAccessLog(Predicate, int, Duration)} rather than
 * reading the log straight after a response.
 * <p>
 * Everything nginx writes (configuration, pid file, logs, temp directories) stays under the work directory, so the
 * fixture needs no privileges. nginx cannot bind port 0, so the fixture asks the OS for a free port, hands it to nginx
 * and retries with another port if something else took it in between. When the JVM runs as root the configuration
 * says {@code user root;}: nginx started as root otherwise runs its workers as {@code nobody}, which cannot read a
 * test's 0700 temporary directory.
 * <p>
 * The test owns the instance and must {@link #close()} it; a JVM shutdown hook stops nginx if the test does not.
 * Methods may be called from any thread.
 */
public final class NginxOrigin implements AutoCloseable
{
    /** Where Debian's nginx packages install the binary; override with {@link Builder#nginxBinary(Path)}. */
    public static final Path DEFAULT_NGINX_BINARY = Path.of("/usr/sbin/nginx");
    /** The bearer token {@code /private/} accepts. */
    public static final String PRIVATE_TOKEN = "good-token";
    /** The whole {@code Authorization} header value {@code /private/} accepts. */
    public static final String PRIVATE_AUTHORIZATION = "Bearer good-token";

    private static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int BIND_ATTEMPTS = 5;
    private static final int FILE_CHUNK_BYTES = 1024 * 1024;
    private static final String ACCESS_LOG_FORMAT =
        "$request_method\\t$request_uri\\t$status\\t$body_bytes_sent\\t$http_range";
    private static final String CHUNKED_MARKER = "starling-chunked-marker";
    private static final String CONFIG_TEMPLATE = """
        @USER@
        worker_processes 1;
        pid "@PID_FILE@";
        error_log "@ERROR_LOG@" info;

        events
        {
            worker_connections 1024;
        }

        http
        {
            default_type application/octet-stream;
            sendfile on;
            tcp_nopush on;
            send_timeout 10s;
            reset_timedout_connection on;

            client_body_temp_path "@TEMP_DIR@/client_body";
            proxy_temp_path "@TEMP_DIR@/proxy";
            fastcgi_temp_path "@TEMP_DIR@/fastcgi";
            uwsgi_temp_path "@TEMP_DIR@/uwsgi";
            scgi_temp_path "@TEMP_DIR@/scgi";

            log_format starling "@LOG_FORMAT@";
            access_log "@ACCESS_LOG@" starling;

            server
            {
                listen 127.0.0.1:@PORT@;
                root "@WWW_DIR@";
        @SERVER_OPTIONS@
                location /files/
                {
                }

                location /private/
                {
                    if ($http_authorization != "@PRIVATE_AUTHORIZATION@")
                    {
                        add_header WWW-Authenticate 'Bearer realm="starling-test"' always;
                        return 401;
                    }
                }

                location ~ ^/redirect/(.*)$
                {
                    return 302 /files/$1$is_args$args;
                }

                location /chunked/
                {
                    alias "@FILES_DIR@/";
                    sub_filter "@CHUNKED_MARKER@" "@CHUNKED_MARKER@";
                    sub_filter_types *;
                }

                location /v2/
                {
                }

                location /v2/secret/
                {
                    if ($http_authorization != "@PRIVATE_AUTHORIZATION@")
                    {
                        add_header WWW-Authenticate 'Bearer realm="starling-test"' always;
                        return 401;
                    }
                }

                location /
                {
                    return 404;
                }
            }
        }
        """;

    private final Process master;
    private final int port;
    private final Layout layout;
    private final Thread shutdownHook;
    private boolean closed;

    private NginxOrigin(final Process master, final int port, final Layout layout)
    {
        this.master = master;
        this.port = port;
        this.layout = layout;
        this.shutdownHook = new Thread(() -> stop(master), "nginx-origin-shutdown-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Start nginx with the defaults: byte ranges on, no rate limit.
     *
     * @param workDir directory the fixture owns, typically a JUnit {@code @TempDir}; created if missing. One origin per
     *                directory.
     * @return the running origin; the caller owns it and must close it.
     * @throws IOException if nginx cannot be started; the message carries nginx's error log.
     */
    public static NginxOrigin start(final Path workDir) throws IOException
    {
        return builder(workDir).start();
    }

    /**
     * @param workDir directory the fixture owns, typically a JUnit {@code @TempDir}; created if missing.
     * @return a builder for an origin with non-default options.
     */
    public static Builder builder(final Path workDir)
    {
        return new Builder(workDir);
    }

    /**
     * @return the directory served under {@code /files/} and {@code /chunked/}; put test files here, before or after
     * start.
     */
    public Path filesDir()
    {
        return layout.filesDir;
    }

    /**
     * @return a directory served under {@code /v2/} like a static registry (blobs and manifests as files; paths under
     * {@code /v2/secret/} need Bearer {@value #PRIVATE_TOKEN}, else 401 with a {@code WWW-Authenticate} challenge).
     */
    public Path registryDir()
    {
        return layout.wwwDir.resolve("v2");
    }

    /**
     * @return the directory served under {@code /private/} (Bearer {@value #PRIVATE_TOKEN} required).
     */
    public Path privateDir()
    {
        return layout.privateDir;
    }

    /**
     * @return the port nginx listens on, on 127.0.0.1.
     */
    public int port()
    {
        return port;
    }

    /**
     * @param pathAndQuery absolute path, optionally with a query, for example {@code /files/blob.bin}.
     * @return the URL of that path on this origin.
     */
    public URI url(final String pathAndQuery)
    {
        if (!pathAndQuery.startsWith("/"))
        {
            throw new IllegalArgumentException("path must start with '/': " + pathAndQuery);
        }
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    /**
     * @return the access log lines nginx has written so far, oldest first.
     */
    public List<AccessLogEntry> accessLog()
    {
        return AccessLogFile.read(layout.accessLog, NginxOrigin::parseAccessLogLine);
    }

    /**
     * Wait until the access log holds at least {@code count} entries that match.
     *
     * @param matcher which entries count.
     * @param count   how many matching entries to wait for.
     * @param timeout how long to wait.
     * @return all matching entries, oldest first.
     * @throws AssertionError if fewer than {@code count} match within the timeout.
     */
    public List<AccessLogEntry> awaitAccessLog(
        final Predicate<AccessLogEntry> matcher, final int count, final Duration timeout)
    {
        return AccessLogFile.await(this::accessLog, matcher, count, timeout);
    }

    /**
     * @param uriPath request path without query, for example {@code /files/blob.bin}.
     * @return the response body bytes nginx sent so far for requests to that path, whatever their query.
     */
    public long bodyBytesSentFor(final String uriPath)
    {
        long total = 0;
        for (final AccessLogEntry entry : accessLog())
        {
            if (entry.path().equals(uriPath))
            {
                total += entry.bodyBytesSent();
            }
        }
        return total;
    }

    /**
     * @return nginx's error log so far, for diagnostics.
     */
    public String errorLog()
    {
        return TestServers.readQuietly(layout.errorLog);
    }

    /**
     * Stop nginx (SIGTERM to the master, nginx's fast shutdown, as {@code nginx -s stop} sends) and wait until the
     * master and its workers have exited. Idempotent.
     *
     * @throws IllegalStateException if an nginx process is still alive afterwards.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        }
        catch (final IllegalStateException ex)
        {
            // The JVM is already shutting down; the hook stops nginx.
            return;
        }
        stop(master);
    }

    /**
     * Write deterministic pseudo-random content: the same seed gives the same bytes, and a shorter file is a prefix
     * of a longer one with the same seed.
     *
     * @param file      file to create or replace; missing parent directories are created.
     * @param sizeBytes length of the file.
     * @param seed      seed of the content.
     * @return {@code file}.
     * @throws IOException if the file cannot be written.
     */
    public static Path writeRandomFile(final Path file, final long sizeBytes, final long seed) throws IOException
    {
        if (sizeBytes < 0)
        {
            throw new IllegalArgumentException("size must not be negative: " + sizeBytes);
        }
        final Path parent = file.toAbsolutePath().getParent();
        if (parent != null)
        {
            Files.createDirectories(parent);
        }

        final SplittableRandom random = new SplittableRandom(seed);
        final ByteBuffer chunk = ByteBuffer.allocateDirect(FILE_CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))
        {
            long remaining = sizeBytes;
            while (remaining > 0)
            {
                final int length = (int)Math.min(remaining, FILE_CHUNK_BYTES);
                chunk.clear();
                // The chunk size is a multiple of 8, so the last long of a short chunk still fits.
                while (chunk.position() < length)
                {
                    chunk.putLong(random.nextLong());
                }
                chunk.flip().limit(length);
                while (chunk.hasRemaining())
                {
                    channel.write(chunk);
                }
                remaining -= length;
            }
        }
        return file;
    }

    /**
     * @param file file to hash.
     * @return the SHA-256 of the file's content, lower-case hex.
     * @throws IOException if the file cannot be read.
     */
    public static String sha256Hex(final Path file) throws IOException
    {
        final MessageDigest digest = sha256();
        final ByteBuffer chunk = ByteBuffer.allocate(FILE_CHUNK_BYTES);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            while (channel.read(chunk.clear()) >= 0)
            {
                digest.update(chunk.flip());
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * @param bytes bytes to hash.
     * @return the SHA-256 of the bytes, lower-case hex.
     */
    public static String sha256Hex(final byte[] bytes)
    {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    /**
     * Options for an {@link NginxOrigin}. Not thread-safe; use it from the thread that builds the origin.
     */
    public static final class Builder
    {
        private final Path workDir;
        private boolean rangesEnabled = true;
        private long limitRateBytesPerSec;
        private Path nginxBinary = DEFAULT_NGINX_BINARY;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;

        private Builder(final Path workDir)
        {
            this.workDir = Objects.requireNonNull(workDir, "workDir");
        }

        /**
         * @param rangesEnabled false to make nginx ignore Range headers ({@code max_ranges 0}) and answer 200.
         * @return this.
         */
        public Builder rangesEnabled(final boolean rangesEnabled)
        {
            this.rangesEnabled = rangesEnabled;
            return this;
        }

        /**
         * @param limitRateBytesPerSec per-response send rate ({@code limit_rate}); 0, the default, for no limit.
         * @return this.
         */
        public Builder limitRateBytesPerSec(final long limitRateBytesPerSec)
        {
            if (limitRateBytesPerSec < 0)
            {
                throw new IllegalArgumentException("rate must not be negative: " + limitRateBytesPerSec);
            }
            this.limitRateBytesPerSec = limitRateBytesPerSec;
            return this;
        }

        /**
         * @param nginxBinary the nginx executable; {@link #DEFAULT_NGINX_BINARY} unless set.
         * @return this.
         */
        public Builder nginxBinary(final Path nginxBinary)
        {
            this.nginxBinary = Objects.requireNonNull(nginxBinary, "nginxBinary");
            return this;
        }

        /**
         * @param startTimeout how long one start attempt may take before the port accepts connections; 10 s unless
         *                     set.
         * @return this.
         */
        public Builder startTimeout(final Duration startTimeout)
        {
            this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
            return this;
        }

        /**
         * @return the running origin; the caller owns it and must close it.
         * @throws IOException if nginx cannot be started; the message carries nginx's error log.
         */
        public NginxOrigin start() throws IOException
        {
            if (!Files.isExecutable(nginxBinary))
            {
                throw new IOException("nginx not found at " + nginxBinary +
                    ": install nginx (Debian: nginx-light) or point Builder.nginxBinary at it");
            }
            final Layout layout = Layout.create(workDir);
            String lastFailure = "";
            for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++)
            {
                final int port = freeLoopbackPort();
                Files.writeString(layout.configFile, config(layout, port));
                Files.deleteIfExists(layout.pidFile);
                Files.deleteIfExists(layout.errorLog);

                final Process master = new ProcessBuilder(
                    nginxBinary.toString(),
                    "-p", layout.workDir.toString(),
                    "-c", layout.configFile.toString(),
                    "-e", layout.errorLog.toString(),
                    "-g", "daemon off; master_process on;")
                    .redirectErrorStream(true)
                    .redirectOutput(layout.consoleLog.toFile())
                    .start();

                if (awaitListening(master, port, layout.pidFile, startTimeout))
                {
                    return new NginxOrigin(master, port, layout);
                }

                final boolean exited = !master.isAlive();
                stop(master);
                lastFailure = "nginx " + (exited ? "exited with " + master.exitValue() : "timed out after " +
                    startTimeout) + " before listening on 127.0.0.1:" + port + "; error log:\n" +
                    TestServers.readQuietly(layout.errorLog) + "\nconsole:\n" + TestServers.readQuietly(layout.consoleLog);
                if (!exited || !TestServers.readQuietly(layout.errorLog).contains("Address already in use"))
                {
                    throw new IOException(lastFailure);
                }
            }
            throw new IOException("no free port after " + BIND_ATTEMPTS + " attempts; last: " + lastFailure);
        }

        private String config(final Layout layout, final int port)
        {
            final StringBuilder serverOptions = new StringBuilder();
            if (!rangesEnabled)
            {
                serverOptions.append("        max_ranges 0;\n");
            }
            if (limitRateBytesPerSec > 0)
            {
                serverOptions.append("        limit_rate ").append(limitRateBytesPerSec).append(";\n");
            }
            return CONFIG_TEMPLATE
                .replace("@USER@", runningAsRoot() ? "user root;" : "")
                .replace("@PID_FILE@", layout.pidFile.toString())
                .replace("@ERROR_LOG@", layout.errorLog.toString())
                .replace("@TEMP_DIR@", layout.tempDir.toString())
                .replace("@LOG_FORMAT@", ACCESS_LOG_FORMAT)
                .replace("@ACCESS_LOG@", layout.accessLog.toString())
                .replace("@PORT@", Integer.toString(port))
                .replace("@WWW_DIR@", layout.wwwDir.toString())
                .replace("@SERVER_OPTIONS@", serverOptions.toString())
                .replace("@PRIVATE_AUTHORIZATION@", PRIVATE_AUTHORIZATION)
                .replace("@FILES_DIR@", layout.filesDir.toString())
                .replace("@CHUNKED_MARKER@", CHUNKED_MARKER);
        }
    }

    private static final class Layout
    {
        private final Path workDir;
        private final Path wwwDir;
        private final Path filesDir;
        private final Path privateDir;
        private final Path tempDir;
        private final Path configFile;
        private final Path pidFile;
        private final Path errorLog;
        private final Path accessLog;
        private final Path consoleLog;

        private Layout(final Path workDir)
        {
            this.workDir = workDir;
            this.wwwDir = workDir.resolve("www");
            this.filesDir = wwwDir.resolve("files");
            this.privateDir = wwwDir.resolve("private");
            this.tempDir = workDir.resolve("temp");
            this.configFile = workDir.resolve("conf").resolve("nginx.conf");
            final Path logs = workDir.resolve("logs");
            this.pidFile = logs.resolve("nginx.pid");
            this.errorLog = logs.resolve("error.log");
            this.accessLog = logs.resolve("access.log");
            this.consoleLog = logs.resolve("console.log");
        }

        static Layout create(final Path workDir) throws IOException
        {
            final Path absolute = workDir.toAbsolutePath().normalize();
            final String text = absolute.toString();
            // The paths go into quoted nginx strings, where these would end the string or start a variable.
            if (text.contains("\"") || text.contains("\\") || text.contains("$") || text.contains("\n"))
            {
                throw new IllegalArgumentException("work directory path not usable in an nginx config: " + text);
            }
            final Layout layout = new Layout(absolute);
            Files.createDirectories(layout.filesDir);
            Files.createDirectories(layout.privateDir);
            Files.createDirectories(layout.wwwDir.resolve("v2"));
            Files.createDirectories(layout.tempDir);
            Files.createDirectories(layout.configFile.getParent());
            Files.createDirectories(layout.pidFile.getParent());
            return layout;
        }
    }

    private static AccessLogEntry parseAccessLogLine(final String line)
    {
        final String[] fields = line.split("\t", -1);
        if (fields.length != 5)
        {
            throw new IllegalStateException("unexpected access log line: " + line);
        }
        final String range = "-".equals(fields[4]) ? null : fields[4];
        return new AccessLogEntry(fields[0], fields[1], Integer.parseInt(fields[2]), Long.parseLong(fields[3]), range);
    }

    private static boolean awaitListening(
        final Process master, final int port, final Path pidFile, final Duration timeout)
    {
        // nginx writes its pid file only after it has bound every listen socket, so a pid file naming our master plus
        // an accepting port means nginx, not some other process, owns the port.
        final String expectedPid = Long.toString(master.pid());
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (master.isAlive() && System.nanoTime() - deadlineNs < 0)
        {
            if (expectedPid.equals(TestServers.readQuietly(pidFile).trim()) && TestServers.accepts(port))
            {
                return true;
            }
            TestServers.pause("nginx");
        }
        return false;
    }

    private static void stop(final Process master)
    {
        // Snapshot the workers first: once the master is gone they are no longer its descendants.
        final List<ProcessHandle> descendants = master.descendants().collect(Collectors.toList());
        boolean interrupted = false;
        master.destroy();
        try
        {
            if (!master.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
            {
                master.destroyForcibly();
                master.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            interrupted = true;
            master.destroyForcibly();
        }

        final List<Long> survivors = new ArrayList<>();
        final long deadlineNs = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (final ProcessHandle process : descendants)
        {
            while (process.isAlive() && System.nanoTime() - deadlineNs < 0 && !interrupted)
            {
                TestServers.pause("nginx");
            }
            if (process.isAlive())
            {
                process.destroyForcibly();
                survivors.add(process.pid());
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        if (master.isAlive())
        {
            survivors.add(0, master.pid());
        }
        if (!survivors.isEmpty())
        {
            throw new IllegalStateException("nginx processes still alive after stop, killed: " + survivors);
        }
    }

    private static int freeLoopbackPort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        }
    }

    private static boolean runningAsRoot()
    {
        try
        {
            // /proc/self belongs to the effective uid of the process reading it.
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        }
        catch (final IOException | UnsupportedOperationException | IllegalArgumentException ex)
        {
            return false;
        }
    }

    private static MessageDigest sha256()
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every JDK has SHA-256", ex);
        }
    }

}
