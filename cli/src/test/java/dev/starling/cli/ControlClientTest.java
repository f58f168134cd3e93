package dev.starling.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlClientTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldWriteTheRequestLineTheDaemonReads() throws Exception
    {
        final GetRequest request = new GetRequest("http://origin/a \"b\"", Path.of("/tmp/out"), "sha256:ab",
            List.of("Authorization: Bearer x", "X-A: 1"), null, "app", null, "sha256:cd");

        final String line = ControlClient.requestLine(request);

        assertTrue(line.endsWith("\n"));
        assertEquals(1, line.chars().filter(c -> c == '\n').count());
        final JsonNode req = JSON.readTree(line);
        assertEquals(ControlProtocol.VERSION, req.path("version").asInt());
        assertEquals("get", req.path("op").asText());
        assertEquals("http://origin/a \"b\"", req.path("url").asText());
        assertEquals("/tmp/out", req.path("output").asText());
        assertEquals("sha256:ab", req.path("digest").asText());
        assertEquals("app", req.path("application").asText());
        assertEquals("sha256:cd", req.path("task").asText());
        assertFalse(req.has("tag"));
        assertFalse(req.has("from"));
        assertEquals(2, req.path("headers").size());
        assertEquals("X-A: 1", req.path("headers").get(1).asText());
    }

    @Test
    void shouldReadAnEventsFieldsAndSkipNestedValues() throws Exception
    {
        final Map<String, String> event = ControlClient.fields(
            "{\"event\":\"done\",\"length\":1073741824,\"linked\":true,\"seconds\":1.25,\"extra\":{\"a\":[1,2]}," +
            "\"list\":[{\"b\":1}],\"none\":null,\"target\":\"/x/y \\\"z\\\"\"}");

        assertEquals("done", event.get("event"));
        assertEquals("1073741824", event.get("length"));
        assertEquals("true", event.get("linked"));
        assertEquals("1.25", event.get("seconds"));
        assertEquals("/x/y \"z\"", event.get("target"));
        assertFalse(event.containsKey("extra"));
        assertFalse(event.containsKey("list"));
        assertFalse(event.containsKey("none"));
    }

    @Test
    void shouldRefuseALineThatIsNotAnObject()
    {
        assertThrows(IOException.class, () -> ControlClient.fields("[1,2]"));
    }
}
