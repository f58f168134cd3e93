package dev.starling.dataplane.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FaultyOriginTest
{
    private static final int BODY_BYTES = 1024 * 1024;

    private final byte[] body = randomBytes(BODY_BYTES);

    @Test
    void shouldResetOnceThenServeWholeBody() throws Exception
    {
        try (FaultyOrigin origin = FaultyOrigin.start(body).resetAfterBytes(300_000, 1))
        {
            final RawResponse cut = RawResponse.exchange(origin.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            final RawResponse whole = RawResponse.exchange(origin.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");

            assertEquals(200, cut.status);
            assertEquals(String.valueOf(BODY_BYTES), cut.headers.get("content-length"));
            assertArrayEquals(Arrays.copyOf(body, 300_000), cut.body);
            assertNotNull(cut.failure);
            assertEquals(SocketException.class, cut.failure.getClass());
            assertEquals(200, whole.status);
            assertArrayEquals(body, whole.body);
            assertNull(whole.failure);
            assertEquals(2, origin.requestCount());
            assertEquals(1, origin.resetCount());
            assertEquals(300_000 + BODY_BYTES, origin.bodyBytesServed());
        }
    }

    @Test
    void shouldFailOneHttpClientDownloadThenServeTheNext() throws Exception
    {
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (FaultyOrigin origin = FaultyOrigin.start(body).resetAfterBytes(500_000, 1))
        {
            final HttpRequest request = HttpRequest.newBuilder(origin.url("/blob")).build();

            assertThrows(IOException.class, () -> client.send(request, HttpResponse.BodyHandlers.ofByteArray()));
            final HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());

            assertEquals(200, response.statusCode());
            assertArrayEquals(body, response.body());
            assertEquals(1, origin.resetCount());
        }
    }

    @Test
    void shouldServeRangesAndHeadOnOneKeptAliveConnection() throws Exception
    {
        try (FaultyOrigin origin = FaultyOrigin.start(body);
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), origin.port()))
        {
            final RawResponse range = RawResponse.exchange(socket, "GET / HTTP/1.1\r\nRange: bytes=100-199\r\n\r\n");
            final RawResponse head = RawResponse.exchange(socket, "HEAD / HTTP/1.1\r\n\r\n");
            final RawResponse suffix = RawResponse.exchange(socket, "GET / HTTP/1.1\r\nRange: bytes=-10\r\n\r\n");
            final RawResponse open = RawResponse.exchange(socket, "GET / HTTP/1.1\r\nRange: bytes=1048000-\r\n\r\n");
            final RawResponse beyond = RawResponse.exchange(
                socket, "GET / HTTP/1.1\r\nRange: bytes=" + BODY_BYTES + "-\r\n\r\n");

            assertEquals(206, range.status);
            assertEquals("bytes 100-199/" + BODY_BYTES, range.headers.get("content-range"));
            assertArrayEquals(Arrays.copyOfRange(body, 100, 200), range.body);
            assertEquals(200, head.status);
            assertEquals(String.valueOf(BODY_BYTES), head.headers.get("content-length"));
            assertEquals(0, head.body.length);
            assertArrayEquals(Arrays.copyOfRange(body, BODY_BYTES - 10, BODY_BYTES), suffix.body);
            assertArrayEquals(Arrays.copyOfRange(body, 1_048_000, BODY_BYTES), open.body);
            assertEquals(416, beyond.status);
            assertEquals("bytes */" + BODY_BYTES, beyond.headers.get("content-range"));
            assertEquals(5, origin.requestCount());
            assertEquals(100 + 10 + BODY_BYTES - 1_048_000, origin.bodyBytesServed());
        }
    }

    @Test
    void shouldResetOnlyResponsesThatIncludeTheOffset() throws Exception
    {
        try (FaultyOrigin origin = FaultyOrigin.start(body).resetAfterBytes(500, 1))
        {
            final RawResponse before;
            final RawResponse cut;
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), origin.port()))
            {
                before = RawResponse.exchange(socket, "GET / HTTP/1.1\r\nRange: bytes=0-99\r\n\r\n");
                cut = RawResponse.exchange(socket, "GET / HTTP/1.1\r\nRange: bytes=400-999\r\n\r\n");
            }
            final RawResponse after = RawResponse.exchange(
                origin.port(), "GET / HTTP/1.1\r\nRange: bytes=400-999\r\n\r\n");

            assertArrayEquals(Arrays.copyOfRange(body, 0, 100), before.body);
            assertEquals(206, cut.status);
            assertArrayEquals(Arrays.copyOfRange(body, 400, 500), cut.body);
            assertNotNull(cut.failure);
            assertArrayEquals(Arrays.copyOfRange(body, 400, 1000), after.body);
            assertEquals(100 + 100 + 600, origin.bodyBytesServed());
        }
    }

    private static byte[] randomBytes(final int length)
    {
        final byte[] bytes = new byte[length];
        final SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)random.nextInt();
        }
        return bytes;
    }

    /**
     * A response read off a raw socket, so that a test sees exactly which bytes arrived before a reset.
     */
    private static final class RawResponse
    {
        private final int status;
        private final Map<String, String> headers;
        private final byte[] body;
        private final IOException failure;

        private RawResponse(
            final int status, final Map<String, String> headers, final byte[] body, final IOException failure)
        {
            this.status = status;
            this.headers = headers;
            this.body = body;
            this.failure = failure;
        }

        static RawResponse exchange(final int port, final String request) throws IOException
        {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port))
            {
                return exchange(socket, request);
            }
        }

        static RawResponse exchange(final Socket socket, final String request) throws IOException
        {
            final OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();

            final InputStream in = socket.getInputStream();
            final String[] lines = readHead(in).split("\r\n");
            final int status = Integer.parseInt(lines[0].split(" ")[1]);
            final Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++)
            {
                final int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
            }

            final int length = request.startsWith("HEAD") ? 0 : Integer.parseInt(headers.get("content-length"));
            final ByteArrayOutputStream body = new ByteArrayOutputStream();
            final byte[] chunk = new byte[64 * 1024];
            IOException failure = null;
            try
            {
                while (body.size() < length)
                {
                    final int read = in.read(chunk, 0, Math.min(chunk.length, length - body.size()));
                    if (read < 0)
                    {
                        failure = new IOException("end of stream after " + body.size() + " body bytes");
                        break;
                    }
                    body.write(chunk, 0, read);
                }
            }
            catch (final IOException ex)
            {
                failure = ex;
            }
            return new RawResponse(status, headers, body.toByteArray(), failure);
        }

        private static String readHead(final InputStream in) throws IOException
        {
            final StringBuilder head = new StringBuilder();
            while (head.length() < 4 || head.lastIndexOf("\r\n\r\n") != head.length() - 4)
            {
                final int b = in.read();
                if (b < 0)
                {
                    throw new IOException("connection closed inside the response head: " + head);
                }
                head.append((char)b);
            }
            return head.substring(0, head.length() - 4);
        }
    }
}
