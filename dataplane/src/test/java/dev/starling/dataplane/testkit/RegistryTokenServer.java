package dev.starling.dataplane.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A token server for a {@link RegistryFixture} in token mode: the Docker registry token flow's realm. A client that
 * got {@code 401 Bearer realm=...,service=...,scope=repository:NAME:pull} asks it for a token; it answers with an
 * ES256 JWT signed by the fixture's token key (issuer, audience and certificate as the registry expects), granting
 * the scope's actions (pull, push) only to a client that sent the right Basic credentials, and nothing to anyone
 * else. Test
 * double for a real token service (Docker Hub's, Harbor's), which cannot run here.
 */
public final class RegistryTokenServer implements AutoCloseable
{
    private final HttpServer server;
    private final String credentials;
    private final Supplier<Path> keyStore;
    private final AtomicInteger issued = new AtomicInteger();

    /**
     * @param user     the user who may pull.
     * @param password its password.
     * @param keyStore where the registry's token signing key is (known once the registry has started).
     * @throws IOException if the server cannot bind.
     */
    public RegistryTokenServer(final String user, final String password, final Supplier<Path> keyStore)
        throws IOException
    {
        this.credentials = "Basic " + Base64.getEncoder().encodeToString(
            (user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.keyStore = keyStore;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/token", this::token);
        server.start();
    }

    /**
     * @return the realm URL to configure the registry with.
     */
    public URI realm()
    {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
    }

    /**
     * @return tokens issued so far (granting access or not).
     */
    public int issued()
    {
        return issued.get();
    }

    private void token(final HttpExchange exchange) throws IOException
    {
        try (exchange)
        {
            final String query = exchange.getRequestURI().getRawQuery();
            String scope = null;
            if (query != null)
            {
                for (final String p : query.split("&"))
                {
                    final int eq = p.indexOf('=');
                    if (eq > 0 && p.substring(0, eq).equals("scope"))
                    {
                        scope = URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8);
                    }
                }
            }
            final boolean authenticated = credentials.equals(exchange.getRequestHeaders().getFirst("Authorization"));
            final String access;
            if (authenticated && scope != null && scope.startsWith("repository:"))
            {
                final String[] parts = scope.split(":");
                final String name = parts[1];
                final List<String> actions = new ArrayList<>();
                for (final String a : (parts.length > 2 ? parts[2] : "pull").split(","))
                {
                    actions.add("\"" + a + "\"");
                }
                access = "[{\"type\":\"repository\",\"name\":\"" + name + "\",\"actions\":[" +
                    String.join(",", actions) + "]}]";
            }
            else
            {
                access = "[]";
            }
            final String jwt = sign(authenticated ? "puller" : "", access);
            issued.incrementAndGet();
            final byte[] body = ("{\"token\":\"" + jwt + "\",\"access_token\":\"" + jwt + "\",\"expires_in\":300}")
                .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(body);
            }
        }
        catch (final Exception ex)
        {
            exchange.sendResponseHeaders(500, -1);
        }
    }

    private String sign(final String subject, final String access) throws Exception
    {
        final KeyStore ks = KeyStore.getInstance("PKCS12");
        final char[] password = RegistryFixture.TOKEN_KEY_STORE_PASSWORD.toCharArray();
        try (InputStream in = Files.newInputStream(keyStore.get()))
        {
            ks.load(in, password);
        }
        final PrivateKey key = (PrivateKey)ks.getKey(RegistryFixture.TOKEN_KEY_ALIAS, password);
        final List<String> chain = new ArrayList<>();
        for (final Certificate c : ks.getCertificateChain(RegistryFixture.TOKEN_KEY_ALIAS))
        {
            chain.add("\"" + Base64.getEncoder().encodeToString(c.getEncoded()) + "\"");
        }
        final long now = System.currentTimeMillis() / 1000;
        final String header = "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"x5c\":[" + String.join(",", chain) + "]}";
        final String claims = "{\"iss\":\"" + RegistryFixture.TOKEN_ISSUER + "\",\"sub\":\"" + subject +
            "\",\"aud\":\"" + RegistryFixture.TOKEN_SERVICE + "\",\"exp\":" + (now + 300) + ",\"nbf\":" + (now - 10) +
            ",\"iat\":" + now + ",\"jti\":\"" + UUID.randomUUID() + "\",\"access\":" + access + "}";
        final Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        final String signingInput = b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "." +
            b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        final Signature es256 = Signature.getInstance("SHA256withECDSAinP1363Format");
        es256.initSign(key);
        es256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + b64.encodeToString(es256.sign());
    }

    @Override
    public void close()
    {
        server.stop(0);
    }
}
