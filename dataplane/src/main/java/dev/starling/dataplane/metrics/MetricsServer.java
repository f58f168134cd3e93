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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Serves {@code GET /healthz} (200 {@code ok}, or 503 with the reason) and {@code GET /metrics} (Prometheus text
 * format 0.0.4 of a {@link DataplaneMetrics} registry) on the JDK's HTTP server, one thread. Every other path is 404,
 * every method but GET and HEAD 405.
 * <p>
 * The JDK server rather than the Prometheus client's {@code HTTPServer}: that one owns its paths, and
 * {@code /healthz} with a caller's health check is not one of them.
 */
public final class MetricsServer implements AutoCloseable
{
    private static final String TEXT_PLAIN = "text/plain; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;
    private final DataplaneMetrics metrics;
    private final Supplier<String> unhealthyReason;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    /**
     * Binds and starts serving.
     *
     * @param bind            address to listen on; port 0 for any free port (see {@link #port()}).
     * @param metrics         what {@code /metrics} exposes; caller retains.
     * @param unhealthyReason called per {@code /healthz} request on the server's thread: null when healthy, else
     *                        why not (sent as the 503 body).
     * @throws StarlingException {@link ErrorCode#BAD_CONFIG} when the address cannot be bound.
     */
    public MetricsServer(
        final InetSocketAddress bind, final DataplaneMetrics metrics, final Supplier<String> unhealthyReason)
    {
        this.metrics = metrics;
        this.unhealthyReason = unhealthyReason;
        try
        {
            server = HttpServer.create(bind, 16);
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG,
                "cannot serve /healthz and /metrics on " + bind + " (" + ex + "): choose another metrics-listen address",
                ex);
        }
        executor = Executors.newSingleThreadExecutor(r ->
        {
            final Thread t = new Thread(r, "starling-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * @return the port it listens on; the one the OS chose when bound to port 0.
     */
    public int port()
    {
        return server.getAddress().getPort();
    }

    private void handle(final HttpExchange exchange) throws IOException
    {
        try (exchange)
        {
            final String method = exchange.getRequestMethod();
            final String path = exchange.getRequestURI().getPath();
            if (!"GET".equals(method) && !"HEAD".equals(method))
            {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, TEXT_PLAIN, text("method not allowed"));
            }
            else if ("/healthz".equals(path))
            {
                final String reason = healthCheck();
                respond(exchange, reason == null ? 200 : 503, TEXT_PLAIN, text(reason == null ? "ok" : reason));
            }
            else if ("/metrics".equals(path))
            {
                final ByteArrayOutputStream body = new ByteArrayOutputStream(4096);
                writer.write(body, metrics.registry().scrape());
                respond(exchange, 200, PrometheusTextFormatWriter.CONTENT_TYPE, body.toByteArray());
            }
            else
            {
                respond(exchange, 404, TEXT_PLAIN, text("not found"));
            }
        }
    }

    private String healthCheck()
    {
        try
        {
            return unhealthyReason.get();
        }
        catch (final RuntimeException ex)
        {
            return "health check failed: " + ex;
        }
    }

    private static byte[] text(final String line)
    {
        return (line + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void respond(final HttpExchange exchange, final int status, final String type, final byte[] body)
        throws IOException
    {
        exchange.getResponseHeaders().set("Content-Type", type);
        if ("HEAD".equals(exchange.getRequestMethod()))
        {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(body);
        }
    }

    /**
     * Stops listening and drops exchanges in progress at once.
     */
    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }
}
