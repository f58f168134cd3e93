package dev.starling.dataplane.source.http;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.testkit.TestCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OriginTlsTest
{
    @TempDir
    Path tmp;

    @Test
    void shouldTreatOnlyTheListedAuthoritiesAsInsecure()
    {
        final OriginTls tls = OriginTls.of(null, Set.of("10.0.0.1:5000", "registry.local"));

        assertTrue(tls.isInsecure(URI.create("https://10.0.0.1:5000/v2/")));
        assertTrue(tls.isInsecure(URI.create("https://Registry.Local/v2/")));
        assertFalse(tls.isInsecure(URI.create("https://10.0.0.1/v2/")), "another port is another registry");
        assertFalse(tls.isInsecure(URI.create("https://registry.local:5000/v2/")));
        assertFalse(OriginTls.jdkDefault().isInsecure(URI.create("https://10.0.0.1:5000/v2/")));
        assertNotSame(tls.jdkContext(true), tls.jdkContext(false));
    }

    @Test
    void shouldAcceptACaFileAndRefuseOneWithoutCertificatesWithBadConfig() throws Exception
    {
        final TestCertificate certificate = TestCertificate.selfSigned(tmp.resolve("cert"));
        OriginTls.of(certificate.certificatePem(), Set.of());
        final Path notPem = Files.writeString(tmp.resolve("not.pem"), "not a certificate\n");

        final StarlingException ex = assertThrows(StarlingException.class, () -> OriginTls.of(notPem, Set.of()));

        assertEquals(ErrorCode.BAD_CONFIG, ex.code());
        assertTrue(ex.getMessage().contains("the CA file " + notPem + " cannot be used"), ex.getMessage());
    }
}
