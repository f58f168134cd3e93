package dev.starling.dataplane.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed TLS server certificate for {@code 127.0.0.1} (subject alternative name {@code IP:127.0.0.1}, an EC
 * P-256 key, valid two days), made with the {@code openssl} command line tool, for test servers that speak HTTPS
 * (docker-registry's {@code http.tls}). Nothing trusts it unless told to: a client that verifies certificates
 * refuses it, one given {@link #certificatePem()} as a CA accepts it.
 *
 * @param certificatePem the certificate, PEM; also the CA to trust.
 * @param keyPem         its private key, PEM, unencrypted.
 */
public record TestCertificate(Path certificatePem, Path keyPem)
{
    /** Where Debian's {@code openssl} package installs the tool. */
    public static final Path OPENSSL_BINARY = Path.of("/usr/bin/openssl");
    private static final long TOOL_TIMEOUT_SECONDS = 30;

    /**
     * @param dir directory to write {@code cert.pem} and {@code key.pem} into; created if missing.
     * @return the certificate.
     * @throws IOException when openssl is missing or fails; the message carries its output.
     */
    public static TestCertificate selfSigned(final Path dir) throws IOException
    {
        if (!Files.isExecutable(OPENSSL_BINARY))
        {
            throw new IOException(OPENSSL_BINARY + " not found: install openssl");
        }
        Files.createDirectories(dir);
        final TestCertificate c = new TestCertificate(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        final Process p = new ProcessBuilder(List.of(OPENSSL_BINARY.toString(), "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", c.keyPem().toString(), "-out",
            c.certificatePem().toString(), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
            "subjectAltName=IP:127.0.0.1"))
            .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try
        {
            if (!p.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                p.destroyForcibly();
                throw new IOException("openssl timed out: " + output);
            }
        }
        catch (final InterruptedException ex)
        {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running openssl", ex);
        }
        if (p.exitValue() != 0)
        {
            throw new IOException("openssl exited with " + p.exitValue() + ": " + output);
        }
        return c;
    }
}
