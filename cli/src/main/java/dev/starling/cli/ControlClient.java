package dev.starling.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code starling get}'s side of the control endpoint: hands the request to the daemon that owns the data dir and
 * relays its progress.
 *
 * <p>Written on Jackson's streaming core rather than its object mapper: a {@code get} through a daemon is a
 * short-lived process, and creating an {@code ObjectMapper} (several hundred classes) took about a third of its
 * start-up (measured: 0.31 s of a 0.84 s get on two cores). The events are flat objects of strings, numbers and
 * booleans, so a map of their fields is all the client needs.
 */
final class ControlClient
{
    private static final JsonFactory JSON = new JsonFactory();

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
            final OutputStream out = Channels.newOutputStream(ch);
            out.write(requestLine(request).getBytes(StandardCharsets.UTF_8));
            out.flush();
            final BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null)
            {
                final Map<String, String> event = fields(line);
                switch (event.getOrDefault("event", ""))
                {
                    case "start":
                        listener.onStart(longField(event, "total", -1), longField(event, "held", 0));
                        break;
                    case "progress":
                        listener.onProgress(longField(event, "completed", 0));
                        break;
                    case "done":
                        return new GetOutcome(longField(event, "length", 0), longField(event, "fromOrigin", 0),
                            longField(event, "fromPeers", 0), longField(event, "reused", 0),
                            event.getOrDefault("task", ""), Path.of(event.getOrDefault("target", "")),
                            Boolean.parseBoolean(event.get("linked")), doubleField(event, "seconds"));
                    case "error":
                        throw new StarlingException(errorCode(event.getOrDefault("code", "")),
                            event.getOrDefault("message", "") + " (reported by the daemon)");
                    default:
                        break;
                }
            }
            throw new StarlingException(ErrorCode.INTERNAL, "the daemon closed the control connection without an answer");
        }
        catch (final IOException | NumberFormatException ex)
        {
            throw new StarlingException(ErrorCode.INTERNAL, "control connection to the daemon failed: " + ex, ex);
        }
    }

    /**
     * @param request a get.
     * @return its request line, newline-terminated (docs/control-endpoint.md).
     */
    static String requestLine(final GetRequest request) throws IOException
    {
        final StringWriter text = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(text))
        {
            g.writeStartObject();
            g.writeNumberField("version", ControlProtocol.VERSION);
            g.writeStringField("op", "get");
            g.writeStringField("url", request.url());
            g.writeStringField("output", request.output().toString());
            writeIfSet(g, "digest", request.digest());
            writeIfSet(g, "tag", request.tag());
            writeIfSet(g, "application", request.application());
            writeIfSet(g, "from", request.from());
            writeIfSet(g, "task", request.taskId());
            g.writeArrayFieldStart("headers");
            for (final String h : request.headers())
            {
                g.writeString(h);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return text.append('\n').toString();
    }

    /**
     * @param line one event line from the daemon: a flat JSON object.
     * @return its fields as text (numbers and booleans as written); nested values are skipped.
     * @throws IOException when the line is not a JSON object.
     */
    static Map<String, String> fields(final String line) throws IOException
    {
        final Map<String, String> fields = new HashMap<>();
        try (JsonParser p = JSON.createParser(line))
        {
            if (p.nextToken() != JsonToken.START_OBJECT)
            {
                throw new IOException("the daemon sent something other than a JSON object: " + line);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME)
            {
                final String name = p.currentName();
                final JsonToken value = p.nextToken();
                if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY)
                {
                    p.skipChildren();
                }
                else if (value != JsonToken.VALUE_NULL)
                {
                    fields.put(name, p.getText());
                }
            }
        }
        return fields;
    }

    private static long longField(final Map<String, String> event, final String name, final long absent)
    {
        final String v = event.get(name);
        return v == null ? absent : Long.parseLong(v);
    }

    private static double doubleField(final Map<String, String> event, final String name)
    {
        final String v = event.get(name);
        return v == null ? 0 : Double.parseDouble(v);
    }

    private static void writeIfSet(final JsonGenerator g, final String name, final String value) throws IOException
    {
        if (value != null)
        {
            g.writeStringField(name, value);
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
