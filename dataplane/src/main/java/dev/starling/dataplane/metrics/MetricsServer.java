package dev.starling.dataplane.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Serves {@code GET /healthz} (200 {@code ok}, or 503 with the reason) and {@code GET /metrics} (Prometheus text
 * format) on the JDK's HTTP server, one thread.
 */
public final class MetricsServer implements AutoCloseable
{
    private final HttpServer server;
    private final DataplaneMetrics metrics;
    private final Supplier<String> unhealthyReason;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    /**
     * @param bind            address to listen on; port 0 for any.
     * @param metrics         what to expose; caller retains.
     * @param unhealthyReason returns null when healthy, else why not.
     */
    public MetricsServer(final InetSocketAddress bind, final DataplaneMetrics metrics,
        final Supplier<String> unhealthyReason)
    {
        this.metrics = metrics;
        this.unhealthyReason = unhealthyReason;
        try
        {
            server = HttpServer.create(bind, 16);
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "cannot serve metrics on " + bind + ": " + ex, ex);
        }
        server.setExecutor(Executors.newSingleThreadExecutor(r ->
        {
            final Thread t = new Thread(r, "starling-metrics");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * @return the port it listens on.
     */
    public int port()
    {
        return server.getAddress().getPort();
    }

    private void handle(final HttpExchange exchange) throws IOException
    {
        try (exchange)
        {
            final String path = exchange.getRequestURI().getPath();
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod()))
            {
                respond(exchange, 405, "text/plain", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
            }
            else if ("/healthz".equals(path))
            {
                final String reason = unhealthyReason.get();
                respond(exchange, reason == null ? 200 : 503, "text/plain",
                    ((reason == null ? "ok" : reason) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            else if ("/metrics".equals(path))
            {
                final ByteArrayOutputStream out = new ByteArrayOutputStream();
                writer.write(out, metrics.registry().scrape());
                respond(exchange, 200, PrometheusTextFormatWriter.CONTENT_TYPE, out.toByteArray());
            }
            else
            {
                respond(exchange, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void respond(final HttpExchange exchange, final int status, final String type, final byte[] body)
        throws IOException
    {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(body);
        }
    }

    @Override
    public void close()
    {
        server.stop(0);
        ((java.util.concurrent.ExecutorService)server.getExecutor()).shutdownNow();
    }
}
