package dev.starling.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code starling get}'s side of the control endpoint: hands the request to the daemon that owns the data dir and
 * relays its progress.
 */
final class ControlClient
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private ControlClient()
    {
    }

    /**
     * @param socket the data dir's control socket.
     * @return true when a daemon accepts connections on it (the connection is closed again without a request).
     */
    static boolean daemonAnswers(final Path socket)
    {
        if (!Files.exists(socket))
        {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /**
     * @return the outcome, or null when no daemon answers on the socket (the caller then embeds a store).
     */
    static GetOutcome tryGet(final Path socket, final GetRequest request, final DownloadListener listener)
    {
        if (!Files.exists(socket))
        {
            return null;
        }
        final SocketChannel channel;
        try
        {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        }
        catch (final IOException ex)
        {
            return null; // a stale socket of a daemon that is gone: the store lock decides who may open it
        }
        try (SocketChannel ch = channel)
        {
            final ObjectNode req = JSON.createObjectNode();
            req.put("version", ControlProtocol.VERSION).put("op", "get").put("url", request.url())
                .put("output", request.output().toString());
            putIfSet(req, "digest", request.digest());
            putIfSet(req, "tag", request.tag());
            putIfSet(req, "application", request.application());
            putIfSet(req, "from", request.from());
            putIfSet(req, "task", request.taskId());
            request.headers().forEach(req.putArray("headers")::add);
            final OutputStream out = Channels.newOutputStream(ch);
            out.write((JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            final BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null)
            {
                final JsonNode event = JSON.readTree(line);
                switch (event.path("event").asText())
                {
                    case "start":
                        listener.onStart(event.path("total").asLong(-1), event.path("held").asLong());
                        break;
                    case "progress":
                        listener.onProgress(event.path("completed").asLong());
                        break;
                    case "done":
                        return new GetOutcome(event.path("length").asLong(), event.path("fromOrigin").asLong(),
                            event.path("fromPeers").asLong(), event.path("reused").asLong(),
                            event.path("task").asText(), Path.of(event.path("target").asText()),
                            event.path("linked").asBoolean(), event.path("seconds").asDouble());
                    case "error":
                        throw new StarlingException(errorCode(event.path("code").asText()),
                            event.path("message").asText() + " (reported by the daemon)");
                    default:
                        break;
                }
            }
            throw new StarlingException(ErrorCode.INTERNAL, "the daemon closed the control connection without an answer");
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.INTERNAL, "control connection to the daemon failed: " + ex, ex);
        }
    }

    private static void putIfSet(final ObjectNode node, final String name, final String value)
    {
        if (value != null)
        {
            node.put(name, value);
        }
    }

    private static ErrorCode errorCode(final String name)
    {
        try
        {
            return ErrorCode.valueOf(name);
        }
        catch (final IllegalArgumentException ex)
        {
            return ErrorCode.INTERNAL;
        }
    }
}
