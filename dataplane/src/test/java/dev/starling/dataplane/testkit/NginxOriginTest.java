package dev.starling.dataplane.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class NginxOriginTest
{
    private static final int FILE_BYTES = 3 * 1024 * 1024;
    private static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5))
        .build();

    @Test
    void shouldServeFileAndLogBodyBytesSent(@TempDir final Path workDir) throws Exception
    {
        try (NginxOrigin origin = NginxOrigin.start(workDir))
        {
            final Path file = NginxOrigin.writeRandomFile(origin.filesDir().resolve("blob.bin"), FILE_BYTES, 42);

            final HttpResponse<byte[]> response = get(origin.url("/files/blob.bin"));

            assertEquals(200, response.statusCode());
            assertEquals(String.valueOf(FILE_BYTES), response.headers().firstValue("content-length").orElse(null));
            assertEquals(NginxOrigin.sha256Hex(file), NginxOrigin.sha256Hex(response.body()));
            final List<AccessLogEntry> entries =
                origin.awaitAccessLog(entry -> entry.uri().equals("/files/blob.bin"), 1, LOG_TIMEOUT);
            assertEquals(new AccessLogEntry("GET", "/files/blob.bin", 200, FILE_BYTES, null), entries.get(0));
            assertEquals(FILE_BYTES, origin.bodyBytesSentFor("/files/blob.bin"));
        }
    }

    @Test
    void shouldWriteSameRandomContentForSameSeed(@TempDir final Path dir) throws IOException
    {
        final byte[] longer = Files.readAllBytes(NginxOrigin.writeRandomFile(dir.resolve("a"), 1_500_001, 7));
        final byte[] shorter = Files.readAllBytes(NginxOrigin.writeRandomFile(dir.resolve("b"), 1_048_579, 7));
        final byte[] otherSeed = Files.readAllBytes(NginxOrigin.writeRandomFile(dir.resolve("c"), 1_048_579, 8));

        assertEquals(1_500_001, longer.length);
        assertArrayEquals(shorter, Arrays.copyOf(longer, shorter.length));
        assertFalse(Arrays.equals(shorter, otherSeed));
    }

    @Test
    void shouldAnswerRangeWith206WhenRangesEnabled(@TempDir final Path workDir) throws Exception
    {
        try (NginxOrigin origin = NginxOrigin.start(workDir))
        {
            final byte[] content = Files.readAllBytes(
                NginxOrigin.writeRandomFile(origin.filesDir().resolve("blob.bin"), FILE_BYTES, 1));

            final HttpResponse<byte[]> response = send(HttpRequest.newBuilder(origin.url("/files/blob.bin"))
                .header("Range", "bytes=100-199").build());

            assertEquals(206, response.statusCode());
            assertEquals("bytes 100-199/" + FILE_BYTES, response.headers().firstValue("content-range").orElse(null));
            assertArrayEquals(Arrays.copyOfRange(content, 100, 200), response.body());
            final AccessLogEntry entry =
                origin.awaitAccessLog(e -> e.uri().equals("/files/blob.bin"), 1, LOG_TIMEOUT).get(0);
            assertEquals(new AccessLogEntry("GET", "/files/blob.bin", 206, 100, "bytes=100-199"), entry);
        }
    }

    @Test
    void shouldAnswerRangeWith200WhenRangesDisabled(@TempDir final Path workDir) throws Exception
    {
        try (NginxOrigin origin = NginxOrigin.builder(workDir).rangesEnabled(false).start())
        {
            final byte[] content = Files.readAllBytes(
                NginxOrigin.writeRandomFile(origin.filesDir().resolve("blob.bin"), FILE_BYTES, 1));

            final HttpResponse<byte[]> response = send(HttpRequest.newBuilder(origin.url("/files/blob.bin"))
                .header("Range", "bytes=100-199").build());

            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("content-range").isEmpty());
            assertTrue(response.headers().firstValue("accept-ranges").isEmpty());
            assertArrayEquals(content, response.body());
            final AccessLogEntry entry =
                origin.awaitAccessLog(e -> e.uri().equals("/files/blob.bin"), 1, LOG_TIMEOUT).get(0);
            assertEquals(new AccessLogEntry("GET", "/files/blob.bin", 200, FILE_BYTES, "bytes=100-199"), entry);
        }
    }

    @Test
    void shouldRequireBearerTokenForPrivateFiles(@TempDir final Path workDir) throws Exception
    {
        try (NginxOrigin origin = NginxOrigin.start(workDir))
        {
            Files.writeString(origin.privateDir().resolve("secret.txt"), "secret");

            final HttpResponse<byte[]> anonymous = get(origin.url("/private/secret.txt"));
            final HttpResponse<byte[]> wrongToken = send(HttpRequest.newBuilder(origin.url("/private/secret.txt"))
                .header("Authorization", "Bearer bad-token").build());
            final HttpResponse<byte[]> authorized = send(HttpRequest.newBuilder(origin.url("/private/secret.txt"))
                .header("Authorization", NginxOrigin.PRIVATE_AUTHORIZATION).build());

            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous.headers().firstValue("www-authenticate").orElse("").startsWith("Bearer"));
            assertEquals(401, wrongToken.statusCode());
            assertEquals(200, authorized.statusCode());
            assertEquals("secret", new String(authorized.body(), StandardCharsets.UTF_8));
            assertEquals(List.of(401, 401, 200),
                origin.awaitAccessLog(e -> e.path().equals("/private/secret.txt"), 3, LOG_TIMEOUT).stream()
                    .map(AccessLogEntry::status).collect(Collectors.toList()));
        }
    }

    @Test
    void shouldRedirectToFiles(@TempDir final Path workDir) throws Exception
    {
        try (NginxOrigin origin = NginxOrigin.start(workDir))
        {
            Files.writeString(origin.filesDir().resolve("blob.bin"), "content");

            final HttpResponse<byte[]> redirect = get(origin.url("/redirect/blob.bin?x=1"));
            final URI location = origin.url("/redirect/blob.bin")
                .resolve(redirect.headers().firstValue("location").orElseThrow());
            final HttpResponse<byte[]> target = get(location);

            assertEquals(302, redirect.statusCode());
            assertEquals(origin.url("/files/blob.bin?x=1"), location);
            assertEquals(200, target.statusCode());
            assertEquals("content", new String(target.body(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldServeChunkedWithoutContentLength(@TempDir final Path workDir) throws Exception
    {
        try (NginxOrigin origin = NginxOrigin.start(workDir))
        {
            final byte[] content = Files.readAllBytes(
                NginxOrigin.writeRandomFile(origin.filesDir().resolve("blob.bin"), FILE_BYTES, 3));

            final HttpResponse<byte[]> response = get(origin.url("/chunked/blob.bin"));
            final HttpResponse<byte[]> ranged = send(HttpRequest.newBuilder(origin.url("/chunked/blob.bin"))
                .header("Range", "bytes=0-9").build());
            final String rawHead = rawHead(origin.port(), "/chunked/blob.bin");

            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("content-length").isEmpty());
            assertArrayEquals(content, response.body());
            assertEquals(200, ranged.statusCode());
            assertArrayEquals(content, ranged.body());
            assertTrue(rawHead.toLowerCase().contains("\r\ntransfer-encoding: chunked\r\n"), rawHead);
            assertFalse(rawHead.toLowerCase().contains("content-length"), rawHead);
        }
    }

    @Test
    void shouldLogPartialBodyBytesWhenClientAbortsRateLimitedTransfer(@TempDir final Path workDir) throws Exception
    {
        try (NginxOrigin origin = NginxOrigin.builder(workDir).limitRateBytesPerSec(512 * 1024).start())
        {
            NginxOrigin.writeRandomFile(origin.filesDir().resolve("blob.bin"), FILE_BYTES, 4);

            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), origin.port()))
            {
                writeRequest(socket.getOutputStream(), "GET", "/files/blob.bin");
                final InputStream in = socket.getInputStream();
                assertEquals(64 * 1024, in.readNBytes(64 * 1024).length);
            }

            final AccessLogEntry entry =
                origin.awaitAccessLog(e -> e.uri().equals("/files/blob.bin"), 1, LOG_TIMEOUT).get(0);
            assertEquals(200, entry.status());
            assertTrue(entry.bodyBytesSent() > 0 && entry.bodyBytesSent() < FILE_BYTES, entry.toString());
            assertEquals(entry.bodyBytesSent(), origin.bodyBytesSentFor("/files/blob.bin"));
        }
    }

    @Test
    void shouldLeaveNoNginxProcessesAfterClose(@TempDir final Path workDir) throws Exception
    {
        final NginxOrigin origin = NginxOrigin.start(workDir);
        final List<ProcessHandle> running;
        try
        {
            running = nginxDescendants();
            assertTrue(running.size() >= 2, "expected a master and a worker: " + running);
        }
        finally
        {
            origin.close();
        }

        assertEquals(List.of(), running.stream().filter(ProcessHandle::isAlive).collect(Collectors.toList()));
        assertEquals(List.of(), nginxDescendants());
    }

    private static List<ProcessHandle> nginxDescendants()
    {
        return ProcessHandle.current().descendants()
            .filter(process -> process.info().command().map(command -> command.endsWith("nginx")).orElse(false))
            .collect(Collectors.toList());
    }

    private HttpResponse<byte[]> get(final URI uri) throws IOException, InterruptedException
    {
        return send(HttpRequest.newBuilder(uri).build());
    }

    private HttpResponse<byte[]> send(final HttpRequest request) throws IOException, InterruptedException
    {
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String rawHead(final int port, final String path) throws IOException
    {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port))
        {
            // GET, not HEAD: nginx never announces chunked encoding on a HEAD response.
            writeRequest(socket.getOutputStream(), "GET", path);
            final InputStream in = socket.getInputStream();
            final StringBuilder head = new StringBuilder();
            while (head.indexOf("\r\n\r\n") < 0)
            {
                final int b = in.read();
                if (b < 0)
                {
                    throw new IOException("connection closed inside the response head: " + head);
                }
                head.append((char)b);
            }
            return head.toString();
        }
    }

    private static void writeRequest(final OutputStream out, final String method, final String path)
        throws IOException
    {
        out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
