package dev.starling.dataplane.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real OCI distribution registry (Debian's {@code docker-registry}, CNCF distribution 2.8), started as a child
 * process of the test JVM with a generated configuration: filesystem storage under the work directory, listening on
 * {@code 127.0.0.1} on a port the OS picks, plain HTTP unless {@link Builder#tls(TestCertificate)} gives it a
 * certificate to serve HTTPS with.
 * <p>
 * Authentication is off unless the builder asks for it:
 * <ul>
 *     <li>{@link Builder#basicAuth(String, String)}: htpasswd (bcrypt, made with {@code htpasswd -Bbn}); a request
 *     without valid credentials gets 401 with {@code WWW-Authenticate: Basic realm="}{@value #REALM}{@code "}.</li>
 *     <li>{@link Builder#tokenAuth(URI)}: the registry's token authentication; a request without a valid bearer token
 *     gets 401 with {@code WWW-Authenticate: Bearer realm="<realm>",service="}{@value #TOKEN_SERVICE}{@code "}.
 *     This fixture runs no token server: a token server fixture comes with the auth tests. The registry insists on a
 *     root certificate for token signatures, so the fixture makes one with the JDK's {@code keytool} (an EC P-256 key
 *     pair in a PKCS12 key store, {@link #tokenSigningKeyStore()}, alias {@value #TOKEN_KEY_ALIAS}, password
 *     {@value #TOKEN_KEY_STORE_PASSWORD}). A token server signs ES256 JWTs with that key, issuer
 *     {@value #TOKEN_ISSUER}, audience {@value #TOKEN_SERVICE}, and puts the certificate in the JWT header's
 *     {@code x5c}.</li>
 * </ul>
 * <p>
 * The registry writes two logs. On stdout, an access log in Apache combined format (gorilla/handlers), one line per
 * request of any kind, 401 challenges included; {@link #accessLog()} parses it. On stderr, its own JSON log, whose
 * {@code "response completed"} lines carry {@code http.request.method}, {@code http.request.uri},
 * {@code http.response.status} and {@code http.response.written}, but only for requests that passed authentication, so
 * the fixture counts from the access log and keeps the JSON log for diagnostics ({@link #registryLog()}). The access
 * log does not record the Range header, so {@link AccessLogEntry#range()} is always null here; a range answer shows
 * as status 206. The registry writes a line when the handler returns, which may be shortly after the client saw the
 * last byte: use {@link #awaitAccessLog(Predicate, int, Duration)} rather than reading the log straight after a
 * response.
 * <p>
 * {@link #push(OciImage, String, String)} copies an {@link OciImage} in with {@code skopeo}. skopeo only ever
 * HEADs blobs when pushing, so a test that pushes and then pulls sees only its own pull's blob GETs.
 * <p>
 * The test owns the instance and must {@link #close()} it; a JVM shutdown hook stops the registry if the test does
 * not. Methods may be called from any thread.
 */
public final class RegistryFixture implements AutoCloseable
{
    /** Where Debian's {@code docker-registry} package installs the registry. */
    public static final Path DEFAULT_REGISTRY_BINARY = Path.of("/usr/bin/docker-registry");
    /** Where Debian's {@code skopeo} package installs skopeo. */
    public static final Path DEFAULT_SKOPEO_BINARY = Path.of("/usr/bin/skopeo");
    /** Where Debian's {@code apache2-utils} package installs htpasswd. */
    public static final Path DEFAULT_HTPASSWD_BINARY = Path.of("/usr/bin/htpasswd");
    /** The Basic auth realm. */
    public static final String REALM = "starling-test";
    /** The {@code service} the registry names in a Bearer challenge and expects as the tokens' audience. */
    public static final String TOKEN_SERVICE = "starling-test-registry";
    /** The issuer the registry expects in tokens. */
    public static final String TOKEN_ISSUER = "starling-test-token-issuer";
    /** Alias of the token signing key in {@link #tokenSigningKeyStore()}. */
    public static final String TOKEN_KEY_ALIAS = "token-signer";
    /** Password of {@link #tokenSigningKeyStore()} and of the key in it. */
    public static final String TOKEN_KEY_STORE_PASSWORD = "starling-test";

    private static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern LISTENING =
        Pattern.compile("\"msg\":\"listening on 127\\.0\\.0\\.1:(\\d+)(?:, tls)?\"");
    /** {@code host ident user [time] "METHOD URI PROTO" status size "referer" "user agent"}. */
    private static final Pattern COMBINED_LOG_LINE =
        Pattern.compile("^\\S+ \\S+ \\S+ \\[[^\\]]*] \"(\\S+) (\\S+) [^\"]*\" (\\d{3}) (\\d+|-) .*$");
    private static final Pattern BLOB_PATH = Pattern.compile("^/v2/.+/blobs/(sha256:[0-9a-f]{64})$");

    private final Process registry;
    private final int port;
    private final Layout layout;
    private final String credentials;
    private final Path skopeoBinary;
    private final boolean tls;
    private final Thread shutdownHook;
    private boolean closed;

    private RegistryFixture(
        final Process registry,
        final int port,
        final Layout layout,
        final String credentials,
        final Path skopeoBinary,
        final boolean tls)
    {
        this.tls = tls;
        this.registry = registry;
        this.port = port;
        this.layout = layout;
        this.credentials = credentials;
        this.skopeoBinary = skopeoBinary;
        this.shutdownHook = new Thread(() -> stop(registry), "registry-fixture-shutdown-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Start a registry without authentication.
     *
     * @param workDir directory the fixture owns, typically a JUnit {@code @TempDir}; created if missing. One registry
     *                per directory.
     * @return the running registry; the caller owns it and must close it.
     * @throws IOException if the registry cannot be started; the message carries its log.
     */
    public static RegistryFixture start(final Path workDir) throws IOException
    {
        return builder(workDir).start();
    }

    /**
     * @param workDir directory the fixture owns, typically a JUnit {@code @TempDir}; created if missing.
     * @return a builder for a registry with non-default options.
     */
    public static Builder builder(final Path workDir)
    {
        return new Builder(workDir);
    }

    /**
     * @return the port the registry listens on, on 127.0.0.1.
     */
    public int port()
    {
        return port;
    }

    /**
     * @return the registry's base URL, {@code http://127.0.0.1:<port>} ({@code https} with TLS), without a trailing
     * slash.
     */
    public URI url()
    {
        return URI.create((tls ? "https" : "http") + "://127.0.0.1:" + port);
    }

    /**
     * @param pathAndQuery absolute path, optionally with a query, for example {@code /v2/}.
     * @return the URL of that path on this registry.
     */
    public URI url(final String pathAndQuery)
    {
        if (!pathAndQuery.startsWith("/"))
        {
            throw new IllegalArgumentException("path must start with '/': " + pathAndQuery);
        }
        return URI.create(url() + pathAndQuery);
    }

    /**
     * @return {@code 127.0.0.1:<port>}, the registry host as image references name it.
     */
    public String host()
    {
        return "127.0.0.1:" + port;
    }

    /**
     * @return the PKCS12 key store holding the token signing key and its self-signed certificate, which the registry
     * trusts; {@link #close()} deletes it.
     * @throws IllegalStateException if the registry was not built with {@link Builder#tokenAuth(URI)}, or is closed.
     */
    public Path tokenSigningKeyStore()
    {
        if (!Files.exists(layout.tokenKeyStore))
        {
            throw new IllegalStateException("registry started without token auth, or closed");
        }
        return layout.tokenKeyStore;
    }

    /**
     * Push an image with {@code skopeo copy}, using the fixture's Basic credentials when it has them. Pushes of one
     * fixture may run concurrently.
     *
     * @param image the image to push.
     * @param repo  repository name, for example {@code library/app}.
     * @param tag   tag to push it as.
     * @throws IOException if skopeo cannot be run or exits non-zero; the message carries its output.
     */
    public void push(final OciImage image, final String repo, final String tag) throws IOException
    {
        final List<String> command = new ArrayList<>(List.of(
            skopeoBinary.toString(), "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false"));
        if (credentials == null)
        {
            command.add("--dest-no-creds");
        }
        else
        {
            command.add("--dest-creds");
            command.add(credentials);
        }
        command.add("oci:" + image.layoutDir() + ":" + image.ref());
        command.add("docker://" + host() + "/" + repo + ":" + tag);

        // Keep skopeo off the machine's credentials and temporary space: an auth file that does not exist, TMPDIR here.
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("REGISTRY_AUTH_FILE", layout.workDir.resolve("skopeo-auth.json").toString());
        builder.environment().put("TMPDIR", layout.tempDir.toString());
        final String output = runTool(builder, "skopeo");
        if (output == null)
        {
            return;
        }
        throw new IOException("skopeo could not push " + image.layoutDir() + " to " + host() + "/" + repo + ":" + tag +
            ": " + output);
    }

    /**
     * @return the access log lines the registry has written so far, oldest first; {@link AccessLogEntry#range()} is
     * always null.
     */
    public List<AccessLogEntry> accessLog()
    {
        return AccessLogFile.read(layout.accessLog, RegistryFixture::parseAccessLogLine);
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
     * @param digest {@code sha256:<hex>}.
     * @return how many GETs of that blob, in any repository, the registry has answered with 200 or 206 so far.
     */
    public int blobGets(final String digest)
    {
        return (int)accessLog().stream().filter(entry -> isBlobGet(entry, digest)).count();
    }

    /**
     * @param digest {@code sha256:<hex>}.
     * @return a matcher for {@link #awaitAccessLog}: a GET of that blob answered with 200 or 206.
     */
    public static Predicate<AccessLogEntry> blobGet(final String digest)
    {
        return entry -> isBlobGet(entry, digest);
    }

    /**
     * @return the registry's own JSON log (stderr) so far, for diagnostics.
     */
    public String registryLog()
    {
        return TestServers.readQuietly(layout.registryLog);
    }

    /**
     * Stop the registry (SIGTERM, then SIGKILL after 10 s), wait until it has exited, and delete its storage and
     * generated configuration. The logs stay, so a test can still read them, until the work directory goes.
     * Idempotent.
     *
     * @throws IllegalStateException if the registry is still alive afterwards.
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
            // The JVM is already shutting down; the hook stops the registry.
            return;
        }
        stop(registry);
        deleteRecursively(layout.storageDir);
        deleteRecursively(layout.confDir);
        deleteRecursively(layout.tempDir);
    }

    /**
     * Options for a {@link RegistryFixture}. Not thread-safe; use it from the thread that builds the registry.
     */
    public static final class Builder
    {
        private final Path workDir;
        private String user;
        private String password;
        private URI tokenRealm;
        private TestCertificate certificate;
        private Path registryBinary = DEFAULT_REGISTRY_BINARY;
        private Path skopeoBinary = DEFAULT_SKOPEO_BINARY;
        private Path htpasswdBinary = DEFAULT_HTPASSWD_BINARY;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;

        private Builder(final Path workDir)
        {
            this.workDir = Objects.requireNonNull(workDir, "workDir");
        }

        /**
         * Require HTTP Basic credentials on every request; {@link #push} uses them.
         *
         * @param user     user name, without ':'.
         * @param password password.
         * @return this.
         */
        public Builder basicAuth(final String user, final String password)
        {
            if (user.isEmpty() || user.contains(":"))
            {
                throw new IllegalArgumentException("user must be non-empty and without ':': " + user);
            }
            this.user = user;
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * Require bearer tokens from a token server at {@code realm}; see the class comment for what the tokens
         * must be. Exclusive with {@link #basicAuth}: the registry runs one access controller.
         *
         * @param realm the token endpoint the registry's challenge names.
         * @return this.
         */
        public Builder tokenAuth(final URI realm)
        {
            this.tokenRealm = Objects.requireNonNull(realm, "realm");
            return this;
        }

        /**
         * Serve HTTPS (only) with this certificate; {@link #push} does not verify it.
         *
         * @param certificate the server certificate and key.
         * @return this.
         */
        public Builder tls(final TestCertificate certificate)
        {
            this.certificate = Objects.requireNonNull(certificate, "certificate");
            return this;
        }

        /**
         * @param registryBinary the registry executable; {@link #DEFAULT_REGISTRY_BINARY} unless set.
         * @return this.
         */
        public Builder registryBinary(final Path registryBinary)
        {
            this.registryBinary = Objects.requireNonNull(registryBinary, "registryBinary");
            return this;
        }

        /**
         * @param skopeoBinary the skopeo executable; {@link #DEFAULT_SKOPEO_BINARY} unless set.
         * @return this.
         */
        public Builder skopeoBinary(final Path skopeoBinary)
        {
            this.skopeoBinary = Objects.requireNonNull(skopeoBinary, "skopeoBinary");
            return this;
        }

        /**
         * @param htpasswdBinary the htpasswd executable; {@link #DEFAULT_HTPASSWD_BINARY} unless set.
         * @return this.
         */
        public Builder htpasswdBinary(final Path htpasswdBinary)
        {
            this.htpasswdBinary = Objects.requireNonNull(htpasswdBinary, "htpasswdBinary");
            return this;
        }

        /**
         * @param startTimeout how long the registry may take to listen; 10 s unless set.
         * @return this.
         */
        public Builder startTimeout(final Duration startTimeout)
        {
            this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
            return this;
        }

        /**
         * @return the running registry; the caller owns it and must close it.
         * @throws IOException if the registry cannot be started; the message carries its log.
         */
        public RegistryFixture start() throws IOException
        {
            if (user != null && tokenRealm != null)
            {
                throw new IllegalStateException("basic and token auth are exclusive");
            }
            requireExecutable(registryBinary, "docker-registry");
            final Layout layout = Layout.create(workDir);
            final StringBuilder auth = new StringBuilder();
            if (user != null)
            {
                requireExecutable(htpasswdBinary, "apache2-utils");
                final String output = runTool(
                    new ProcessBuilder(htpasswdBinary.toString(), "-Bbn", user, password)
                        .redirectOutput(layout.htpasswdFile.toFile()), "htpasswd");
                if (output != null)
                {
                    throw new IOException("htpasswd failed: " + output);
                }
                auth.append("auth:\n  htpasswd:\n    realm: ").append(quoted(REALM))
                    .append("\n    path: ").append(quoted(layout.htpasswdFile.toString())).append('\n');
            }
            else if (tokenRealm != null)
            {
                makeTokenSigningCertificate(layout);
                auth.append("auth:\n  token:\n    realm: ").append(quoted(tokenRealm.toString()))
                    .append("\n    service: ").append(quoted(TOKEN_SERVICE))
                    .append("\n    issuer: ").append(quoted(TOKEN_ISSUER))
                    .append("\n    rootcertbundle: ").append(quoted(layout.tokenCertificate.toString())).append('\n');
            }
            final String tlsBlock = certificate == null ? "" : "  tls:\n    certificate: " +
                quoted(certificate.certificatePem().toString()) + "\n    key: " +
                quoted(certificate.keyPem().toString()) + "\n";
            Files.writeString(layout.configFile, config(layout, tlsBlock, auth.toString()));

            // Port 0: the registry binds a free port and names it in its "listening on" line.
            final Process registry = new ProcessBuilder(
                registryBinary.toString(), "serve", layout.configFile.toString())
                .redirectOutput(layout.accessLog.toFile())
                .redirectError(layout.registryLog.toFile())
                .start();
            final int port = awaitListening(registry, layout.registryLog, startTimeout);
            if (port > 0)
            {
                return new RegistryFixture(registry, port, layout,
                    user == null ? null : user + ":" + password, skopeoBinary, certificate != null);
            }
            final boolean exited = !registry.isAlive();
            stop(registry);
            throw new IOException("registry " + (exited ? "exited with " + registry.exitValue() : "timed out after " +
                startTimeout) + " before listening; log:\n" + TestServers.readQuietly(layout.registryLog));
        }

        private static String config(final Layout layout, final String tlsBlock, final String auth)
        {
            return "version: 0.1\n" +
                "log:\n" +
                "  level: info\n" +
                "  formatter: json\n" +
                "  accesslog:\n" +
                "    disabled: false\n" +
                "storage:\n" +
                "  filesystem:\n" +
                "    rootdirectory: " + quoted(layout.storageDir.toString()) + "\n" +
                "  delete:\n" +
                "    enabled: true\n" +
                "  maintenance:\n" +
                "    uploadpurging:\n" +
                "      enabled: false\n" +
                "http:\n" +
                "  addr: 127.0.0.1:0\n" +
                "  secret: starling-test-upload-secret\n" +
                tlsBlock +
                auth;
        }
    }

    private static void makeTokenSigningCertificate(final Layout layout) throws IOException
    {
        final Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        requireExecutable(keytool, "a JDK");
        final String store = layout.tokenKeyStore.toString();
        final String generated = runTool(new ProcessBuilder(keytool.toString(), "-genkeypair",
            "-alias", TOKEN_KEY_ALIAS, "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
            "-dname", "CN=" + TOKEN_ISSUER, "-validity", "2", "-storetype", "PKCS12", "-keystore", store,
            "-storepass", TOKEN_KEY_STORE_PASSWORD, "-keypass", TOKEN_KEY_STORE_PASSWORD), "keytool");
        final String exported = generated != null ? generated : runTool(new ProcessBuilder(keytool.toString(),
            "-exportcert", "-rfc", "-alias", TOKEN_KEY_ALIAS, "-keystore", store,
            "-storepass", TOKEN_KEY_STORE_PASSWORD, "-file", layout.tokenCertificate.toString()), "keytool");
        if (exported != null)
        {
            throw new IOException("keytool could not make the token signing certificate: " + exported);
        }
    }

    private static final class Layout
    {
        private final Path workDir;
        private final Path storageDir;
        private final Path confDir;
        private final Path tempDir;
        private final Path configFile;
        private final Path htpasswdFile;
        private final Path tokenKeyStore;
        private final Path tokenCertificate;
        private final Path accessLog;
        private final Path registryLog;

        private Layout(final Path workDir)
        {
            this.workDir = workDir;
            this.storageDir = workDir.resolve("storage");
            this.confDir = workDir.resolve("conf");
            this.tempDir = workDir.resolve("temp");
            this.configFile = confDir.resolve("config.yml");
            this.htpasswdFile = confDir.resolve("htpasswd");
            this.tokenKeyStore = confDir.resolve("token-signer.p12");
            this.tokenCertificate = confDir.resolve("token-signer.pem");
            final Path logs = workDir.resolve("logs");
            this.accessLog = logs.resolve("access.log");
            this.registryLog = logs.resolve("registry.log");
        }

        static Layout create(final Path workDir) throws IOException
        {
            final Layout layout = new Layout(workDir.toAbsolutePath().normalize());
            Files.createDirectories(layout.storageDir);
            Files.createDirectories(layout.confDir);
            Files.createDirectories(layout.tempDir);
            Files.createDirectories(layout.accessLog.getParent());
            return layout;
        }
    }

    private static boolean isBlobGet(final AccessLogEntry entry, final String digest)
    {
        if (!"GET".equals(entry.method()) || (entry.status() != 200 && entry.status() != 206))
        {
            return false;
        }
        final Matcher matcher = BLOB_PATH.matcher(entry.path());
        return matcher.matches() && matcher.group(1).equals(digest);
    }

    private static AccessLogEntry parseAccessLogLine(final String line)
    {
        final Matcher matcher = COMBINED_LOG_LINE.matcher(line);
        if (!matcher.matches())
        {
            throw new IllegalStateException("unexpected access log line: " + line);
        }
        final String size = matcher.group(4);
        return new AccessLogEntry(matcher.group(1), matcher.group(2), Integer.parseInt(matcher.group(3)),
            "-".equals(size) ? 0 : Long.parseLong(size), null);
    }

    /** A YAML double-quoted scalar; the values here are paths and URLs, so escaping {@code \} and {@code "} does. */
    private static String quoted(final String value)
    {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /**
     * Run a short-lived tool to completion.
     *
     * @return null on success, else the exit status and the tool's output.
     */
    private static String runTool(final ProcessBuilder builder, final String name) throws IOException
    {
        final Path output = Files.createTempFile(name, ".out");
        try
        {
            if (builder.redirectOutput() == ProcessBuilder.Redirect.PIPE)
            {
                builder.redirectErrorStream(true).redirectOutput(output.toFile());
            }
            else
            {
                builder.redirectError(output.toFile());
            }
            final Process process = builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
            try
            {
                if (!process.waitFor(TOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                {
                    process.destroyForcibly();
                    return name + " timed out after " + TOOL_TIMEOUT + ": " + TestServers.readQuietly(output);
                }
            }
            catch (final InterruptedException ex)
            {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + name, ex);
            }
            return process.exitValue() == 0 ? null :
                name + " exited with " + process.exitValue() + ": " + TestServers.readQuietly(output).strip();
        }
        finally
        {
            Files.deleteIfExists(output);
        }
    }

    private static void requireExecutable(final Path binary, final String debianPackage) throws IOException
    {
        if (!Files.isExecutable(binary))
        {
            throw new IOException(binary + " not found: install " + debianPackage + " (./run-tests does) or point " +
                "the builder at it");
        }
    }

    private static int awaitListening(final Process registry, final Path log, final Duration timeout)
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (registry.isAlive() && System.nanoTime() - deadlineNs < 0)
        {
            final Matcher matcher = LISTENING.matcher(TestServers.readQuietly(log));
            if (matcher.find())
            {
                final int port = Integer.parseInt(matcher.group(1));
                // The registry logs the line after binding; the connect proves it is accepting.
                if (TestServers.accepts(port))
                {
                    return port;
                }
            }
            TestServers.pause("the registry");
        }
        return -1;
    }

    private static void stop(final Process registry)
    {
        registry.destroy();
        try
        {
            if (!registry.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
            {
                registry.destroyForcibly();
                registry.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            registry.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        if (registry.isAlive())
        {
            throw new IllegalStateException("registry process " + registry.pid() + " still alive after stop");
        }
    }

    private static void deleteRecursively(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try
        {
            Files.walkFileTree(dir, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
                {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(final Path directory, final IOException ex)
                    throws IOException
                {
                    if (ex != null)
                    {
                        throw ex;
                    }
                    Files.delete(directory);
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("could not delete " + dir, ex);
        }
    }

}
