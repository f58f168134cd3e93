package dev.starling.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiFunction;

/**
 * The daemon's side of the control endpoint ({@code docs/control-endpoint.md}): accepts {@code get} requests on a
 * Unix domain socket in the data dir, runs each on a worker thread and streams its progress back.
 */
final class ControlServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long PROGRESS_INTERVAL_NS = 200_000_000L;

    private final Path socket;
    private final ServerSocketChannel server;
    private final ExecutorService workers = Executors.newCachedThreadPool(r ->
    {
        final Thread t = new Thread(r, "starling-control");
        t.setDaemon(true);
        return t;
    });
    private final BiFunction<GetRequest, DownloadListener, GetOutcome> handler;
    private final Thread acceptor;

    ControlServer(final Path socket, final BiFunction<GetRequest, DownloadListener, GetOutcome> handler)
    {
        this.socket = socket;
        this.handler = handler;
        try
        {
            Files.deleteIfExists(socket); // left by a daemon that was killed; we hold the data dir lock
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.DATA_DIR_UNUSABLE, "cannot open the control socket " + socket +
                ": " + ex, ex);
        }
        acceptor = new Thread(this::acceptLoop, "starling-control-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptLoop()
    {
        while (server.isOpen())
        {
            try
            {
                final SocketChannel ch = server.accept();
                workers.execute(() -> serve(ch));
            }
            catch (final IOException ex)
            {
                if (server.isOpen())
                {
                    LOG.warn("control endpoint: accept failed: {}", ex.toString());
                }
            }
        }
    }

    private void serve(final SocketChannel ch)
    {
        try (SocketChannel channel = ch)
        {
            final OutputStream out = Channels.newOutputStream(channel);
            final BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                StandardCharsets.UTF_8));
            final String line = in.readLine();
            if (line == null)
            {
                return;
            }
            try
            {
                final GetRequest request = parse(line);
                final GetOutcome o = handler.apply(request, new ProgressWriter(out));
                final ObjectNode done = JSON.createObjectNode().put("event", "done").put("length", o.lengthBytes())
                    .put("fromOrigin", o.fromOrigin()).put("fromPeers", o.fromPeers()).put("reused", o.reused())
                    .put("task", o.taskId()).put("target", o.target().toString()).put("linked", o.linked())
                    .put("seconds", o.seconds());
                send(out, done);
            }
            catch (final StarlingException ex)
            {
                send(out, JSON.createObjectNode().put("event", "error").put("code", ex.code().name())
                    .put("message", ex.getMessage()));
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("control request failed", ex);
                send(out, JSON.createObjectNode().put("event", "error").put("code", ErrorCode.INTERNAL.name())
                    .put("message", ex.toString()));
            }
        }
        catch (final IOException ex)
        {
            LOG.debug("control connection ended: {}", ex.toString());
        }
    }

    private static GetRequest parse(final String line)
    {
        final JsonNode req;
        try
        {
            req = JSON.readTree(line);
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "malformed control request: " + ex.getMessage());
        }
        if (req.path("version").asInt() != ControlProtocol.VERSION || !"get".equals(req.path("op").asText()))
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "unsupported control request (want version " +
                ControlProtocol.VERSION + ", op get)");
        }
        final Path output = Path.of(req.path("output").asText());
        if (!output.isAbsolute())
        {
            throw new StarlingException(ErrorCode.BAD_TARGET, "the target must be an absolute path: " + output);
        }
        final List<String> headers = new ArrayList<>();
        req.path("headers").forEach(h -> headers.add(h.asText()));
        return new GetRequest(req.path("url").asText(), output, text(req, "digest"), headers, text(req, "tag"),
            text(req, "application"), text(req, "from"), text(req, "task"));
    }

    private static String text(final JsonNode node, final String name)
    {
        return node.hasNonNull(name) ? node.get(name).asText() : null;
    }

    private static void send(final OutputStream out, final ObjectNode event) throws IOException
    {
        out.write((JSON.writeValueAsString(event) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Relays a download's progress to the client, at most every 200 ms. */
    private static final class ProgressWriter implements DownloadListener
    {
        private final OutputStream out;
        private long lastNs;

        ProgressWriter(final OutputStream out)
        {
            this.out = out;
        }

        @Override
        public void onStart(final long contentLengthBytes, final long alreadyHeldBytes)
        {
            write(JSON.createObjectNode().put("event", "start").put("total", contentLengthBytes)
                .put("held", alreadyHeldBytes));
        }

        @Override
        public void onProgress(final long completedBytes)
        {
            final long now = System.nanoTime();
            if (now - lastNs >= PROGRESS_INTERVAL_NS)
            {
                lastNs = now;
                write(JSON.createObjectNode().put("event", "progress").put("completed", completedBytes));
            }
        }

        private void write(final ObjectNode event)
        {
            try
            {
                send(out, event);
            }
            catch (final IOException ex)
            {
                LOG.debug("control client went away: {}", ex.toString());
            }
        }
    }

    @Override
    public void close()
    {
        try
        {
            server.close();
            Files.deleteIfExists(socket);
        }
        catch (final IOException ex)
        {
            LOG.warn("closing the control socket: {}", ex.toString());
        }
        workers.shutdownNow();
    }
}
