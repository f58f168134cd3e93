package dev.starling.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kubernetes manifests in {@code deploy/} parse, and every {@code starling} command line in them is one the
 * command accepts (picocli parses it against the real command classes), so a renamed flag cannot leave them stale.
 */
class DeployManifestsTest
{
    private static final Path DEPLOY = Path.of("").toAbsolutePath().getParent().resolve("deploy");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static List<JsonNode> documents(final String file) throws Exception
    {
        final List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(Files.readString(DEPLOY.resolve(file))))
        {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
        }
        return docs;
    }

    /** The container specs of starling's own image in a document. */
    private static List<JsonNode> starlingContainers(final JsonNode doc)
    {
        final List<JsonNode> out = new ArrayList<>();
        final JsonNode spec = doc.path("kind").asText().equals("Pod") ? doc.path("spec") :
            doc.path("spec").path("template").path("spec");
        for (final String field : List.of("containers", "initContainers"))
        {
            for (final JsonNode c : spec.path(field))
            {
                if (c.path("image").asText().startsWith("starling:"))
                {
                    out.add(c);
                }
            }
        }
        return out;
    }

    private static void assertAccepted(final JsonNode container)
    {
        final List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        assertFalse(args.isEmpty(), container.toString());
        final CommandLine cli = Main.commandLine();
        final CommandLine.ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
        assertTrue(parsed.hasSubcommand(), "no starling subcommand in " + args);
    }

    @Test
    void shouldDescribeSchedulerSeedAndNodeDaemonsWithFlagsTheCommandAccepts() throws Exception
    {
        final List<JsonNode> docs = documents("starling-daemonset.yaml");
        final List<String> kinds = new ArrayList<>();
        int containers = 0;
        for (final JsonNode doc : docs)
        {
            kinds.add(doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText());
            for (final JsonNode c : starlingContainers(doc))
            {
                assertAccepted(c);
                containers++;
            }
        }
        assertTrue(kinds.contains("DaemonSet/starling-daemon"), kinds.toString());
        assertTrue(kinds.contains("Deployment/starling-scheduler"), kinds.toString());
        assertTrue(kinds.contains("Deployment/starling-seed"), kinds.toString());
        assertEquals(3, containers);
        final JsonNode daemonSet = docs.stream().filter(d -> d.path("kind").asText().equals("DaemonSet"))
            .findFirst().orElseThrow();
        final String args = daemonSet.path("spec").path("template").path("spec").path("containers").get(0)
            .path("args").toString();
        assertTrue(args.contains("--hub-listen=127.0.0.1:65002"), args);
        assertTrue(args.contains("--mirror-listen=127.0.0.1:65001"), args);
    }

    @Test
    void shouldPointTheInferencePodAtTheNodeDaemon() throws Exception
    {
        final List<JsonNode> docs = documents("inference-pod-example.yaml");
        assertEquals(2, docs.size());
        assertTrue(docs.get(0).toString().contains("\"HF_ENDPOINT\"") &&
            docs.get(0).toString().contains("http://127.0.0.1:65002"));
        final List<JsonNode> init = starlingContainers(docs.get(1));
        assertEquals(1, init.size());
        assertAccepted(init.get(0));
    }
}
