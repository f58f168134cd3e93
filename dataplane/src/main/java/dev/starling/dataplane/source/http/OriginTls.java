package dev.starling.dataplane.source.http;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;

/**
 * Which TLS certificates an origin must present: verified against the JDK's trust store plus an optional PEM file of
 * CA certificates, except for the origins listed as insecure ({@code host} or {@code host:port}, as the URL's
 * authority names them), whose certificates and host names are not checked at all (Docker's
 * {@code insecure-registries}). Whether an insecure origin speaks TLS at all is its caller's business: the URL's
 * scheme decides. Immutable and thread-safe; the TLS contexts are built once.
 */
public final class OriginTls
{
    private static final OriginTls JDK_DEFAULT = new OriginTls(null, Set.of());

    private final Set<String> insecureAuthorities;
    private final TrustManagerFactory verifying;
    private final SSLContext verifyingJdk;
    private final SSLContext insecureJdk;
    private final SslContext verifyingNetty;
    private final SslContext insecureNetty;

    private OriginTls(final Path caPem, final Set<String> insecureAuthorities)
    {
        this.insecureAuthorities = Set.copyOf(insecureAuthorities);
        try
        {
            verifying = trustManagers(caPem);
            verifyingJdk = SSLContext.getInstance("TLS");
            verifyingJdk.init(null, verifying.getTrustManagers(), null);
            insecureJdk = SSLContext.getInstance("TLS");
            insecureJdk.init(null, new TrustManager[]{new TrustingEveryCertificate()}, null);
            verifyingNetty = SslContextBuilder.forClient().trustManager(verifying).build();
            insecureNetty = SslContextBuilder.forClient().trustManager(new TrustingEveryCertificate()).build();
        }
        catch (final IOException | GeneralSecurityException ex)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, (caPem == null ? "cannot set up TLS: " :
                "the CA file " + caPem + " cannot be used: ") + ex.getMessage(), ex);
        }
    }

    /**
     * @return every origin verified against the JDK's trust store, none insecure.
     */
    public static OriginTls jdkDefault()
    {
        return JDK_DEFAULT;
    }

    /**
     * @param caPem               a PEM file of CA certificates trusted besides the JDK's trust store, or null.
     * @param insecureAuthorities origins whose certificates are not checked: {@code host} or {@code host:port},
     *                            lower case.
     * @return the policy.
     * @throws StarlingException {@link ErrorCode#BAD_CONFIG} when the CA file cannot be read or holds no certificate.
     */
    public static OriginTls of(final Path caPem, final Set<String> insecureAuthorities)
    {
        return new OriginTls(caPem, insecureAuthorities);
    }

    /**
     * @param url an origin URL.
     * @return true when the URL's authority ({@code host[:port]}) is listed as insecure.
     */
    public boolean isInsecure(final URI url)
    {
        final String authority = url.getRawAuthority();
        return authority != null && insecureAuthorities.contains(authority.toLowerCase(Locale.ROOT));
    }

    /**
     * @param insecure true for the context that checks nothing.
     * @return a JDK TLS context (for {@code java.net.http} clients); shared, do not re-initialise it.
     */
    public SSLContext jdkContext(final boolean insecure)
    {
        return insecure ? insecureJdk : verifyingJdk;
    }

    /**
     * @param insecure true for the context that checks nothing.
     * @return a Netty client TLS context; shared.
     */
    SslContext nettyContext(final boolean insecure)
    {
        return insecure ? insecureNetty : verifyingNetty;
    }

    private static TrustManagerFactory trustManagers(final Path caPem) throws IOException, GeneralSecurityException
    {
        final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (caPem == null)
        {
            tmf.init((KeyStore)null);
            return tmf;
        }
        final KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int count = 0;
        try (InputStream in = Files.newInputStream(caPem))
        {
            for (final Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in))
            {
                store.setCertificateEntry("ca-" + count++, c);
            }
        }
        if (count == 0)
        {
            throw new GeneralSecurityException("no PEM certificate in it");
        }
        // The JDK's own roots stay trusted too.
        final Path cacerts = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts");
        if (Files.isReadable(cacerts))
        {
            final KeyStore jdk = KeyStore.getInstance(KeyStore.getDefaultType());
            try (InputStream c = Files.newInputStream(cacerts))
            {
                jdk.load(c, null);
            }
            for (final String alias : Collections.list(jdk.aliases()))
            {
                store.setCertificateEntry("jdk-" + alias, jdk.getCertificate(alias));
            }
        }
        tmf.init(store);
        return tmf;
    }

    /**
     * Accepts any certificate chain. An {@link X509ExtendedTrustManager}, so that JSSE does not wrap it in one that
     * checks the host name after all.
     */
    private static final class TrustingEveryCertificate extends X509ExtendedTrustManager
    {
        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType)
        {
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType)
        {
        }

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType, final Socket socket)
        {
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType, final Socket socket)
        {
        }

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType, final SSLEngine engine)
        {
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType, final SSLEngine engine)
        {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers()
        {
            return new X509Certificate[0];
        }
    }
}
