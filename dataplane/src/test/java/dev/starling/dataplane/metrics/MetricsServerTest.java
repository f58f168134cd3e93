package dev.starling.dataplane.metrics;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class MetricsServerTest
{
    private static final HttpClient CLIENT = HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(5))
        .version(HttpClient.Version.HTTP_1_1)
        .build();

    private final DataplaneMetrics metrics = new DataplaneMetrics();
    private final AtomicReference<String> unhealthyReason = new AtomicReference<>();
    private final MetricsServer server =
        new MetricsServer(new InetSocketAddress("127.0.0.1", 0), metrics, unhealthyReason::get);

    @AfterEach
    void closeServer()
    {
        server.close();
    }

    @Test
    void shouldListenOnAPortTheOsChoseWhenBoundToPortZero()
    {
        assertTrue(server.port() > 0, "port " + server.port());
    }

    @Test
    void shouldServeMetricsInPrometheusTextFormat() throws Exception
    {
        metrics.onOriginBytes(1234);
        metrics.transportInUse("tcp-io-uring");

        final HttpResponse<String> response = get("/metrics");

        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8",
            response.headers().firstValue("Content-Type").orElse(null));
        assertTrue(response.body().contains("# TYPE starling_bytes_total counter\n"), response.body());
        assertTrue(response.body().contains("\nstarling_bytes_total{source=\"origin\"} 1234.0\n"), response.body());
        assertTrue(response.body().contains("\nstarling_transport_info{transport=\"tcp-io-uring\"} 1\n"),
            response.body());
    }

    @Test
    void shouldServeCountsAsTheyChange() throws Exception
    {
        metrics.onServedPiece();
        get("/metrics");
        metrics.onServedPiece();

        assertTrue(get("/metrics").body().contains("\nstarling_pieces_total{source=\"served\"} 2.0\n"));
    }

    @Test
    void shouldAnswerOkOnHealthzWhenHealthy() throws Exception
    {
        final HttpResponse<String> response = get("/healthz");

        assertEquals(200, response.statusCode());
        assertEquals("ok\n", response.body());
    }

    @Test
    void shouldAnswer503WithTheReasonOnHealthzWhenUnhealthy() throws Exception
    {
        unhealthyReason.set("data dir unusable: /var/lib/starling is read-only");

        final HttpResponse<String> response = get("/healthz");

        assertEquals(503, response.statusCode());
        assertEquals("data dir unusable: /var/lib/starling is read-only\n", response.body());
    }

    @Test
    void shouldAnswer503WhenTheHealthCheckThrows() throws Exception
    {
        try (MetricsServer failing = new MetricsServer(new InetSocketAddress("127.0.0.1", 0), metrics, () ->
        {
            throw new IllegalStateException("store closed");
        }))
        {
            final HttpResponse<String> response = get(failing.port(), "/healthz");

            assertEquals(503, response.statusCode());
            assertTrue(response.body().contains("store closed"), response.body());
        }
    }

    @Test
    void shouldAnswer404ForOtherPaths() throws Exception
    {
        assertEquals(404, get("/").statusCode());
        assertEquals(404, get("/metrics/extra").statusCode());
        assertEquals(404, get("/healthzz").statusCode());
    }

    @Test
    void shouldAnswer405ForOtherMethods() throws Exception
    {
        final HttpRequest post = HttpRequest.newBuilder(uri(server.port(), "/metrics"))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString("x"))
            .build();

        final HttpResponse<String> response = CLIENT.send(post, HttpResponse.BodyHandlers.ofString());

        assertEquals(405, response.statusCode());
        assertEquals("GET, HEAD", response.headers().firstValue("Allow").orElse(null));
    }

    @Test
    void shouldAnswerHeadWithStatusAndNoBody() throws Exception
    {
        final HttpRequest head = HttpRequest.newBuilder(uri(server.port(), "/healthz"))
            .timeout(Duration.ofSeconds(10))
            .method("HEAD", HttpRequest.BodyPublishers.noBody())
            .build();

        final HttpResponse<String> response = CLIENT.send(head, HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode());
        assertEquals("", response.body());
    }

    @Test
    void shouldRefuseConnectionsOnceClosed()
    {
        final int port = server.port();

        server.close();

        assertThrows(ConnectException.class, () ->
        {
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            }
        });
    }

    @Test
    void shouldFailWithBadConfigWhenTheAddressIsTaken()
    {
        final StarlingException ex = assertThrows(StarlingException.class,
            () -> new MetricsServer(new InetSocketAddress("127.0.0.1", server.port()), metrics, () -> null));

        assertEquals(ErrorCode.BAD_CONFIG, ex.code());
    }

    private HttpResponse<String> get(final String path) throws IOException, InterruptedException
    {
        return get(server.port(), path);
    }

    private static HttpResponse<String> get(final int port, final String path)
        throws IOException, InterruptedException
    {
        final HttpRequest request = HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(10)).GET().build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(final int port, final String path)
    {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
