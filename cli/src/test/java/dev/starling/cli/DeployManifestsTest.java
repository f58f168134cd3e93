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
        assertEquals(4, containers, "scheduler, seed, node daemon and its containerd-config init container");
        final JsonNode daemonSet = docs.stream().filter(d -> d.path("kind").asText().equals("DaemonSet"))
            .findFirst().orElseThrow();
        final String args = daemonSet.path("spec").path("template").path("spec").path("containers").get(0)
            .path("args").toString();
        assertTrue(args.contains("--hub-listen=127.0.0.1:65002"), args);
        assertTrue(args.contains("--mirror-listen=127.0.0.1:65001"), args);
        assertTrue(daemonSet.toString().contains("\"starling.dev/rdma\"") &&
            daemonSet.toString().contains("\"NotIn\""), "RDMA nodes run the GPU DaemonSet instead");
        final JsonNode init = daemonSet.path("spec").path("template").path("spec").path("initContainers").get(0);
        assertEquals("containerd-config", init.path("args").get(0).asText());
    }

    @Test
    void shouldDescribeTheRdmaDaemonSetForGpuNodes() throws Exception
    {
        final List<JsonNode> docs = documents("starling-gpu-daemonset.yaml");
        assertEquals(2, docs.size());
        final JsonNode daemonSet = docs.get(0);
        assertEquals("DaemonSet", daemonSet.path("kind").asText());
        final JsonNode pod = daemonSet.path("spec").path("template").path("spec");
        assertTrue(pod.path("hostNetwork").asBoolean(), "the RDMA GID is the host interface's");
        assertEquals("true", pod.path("nodeSelector").path("starling.dev/rdma").asText());
        final List<JsonNode> starling = starlingContainers(daemonSet);
        assertEquals(2, starling.size());
        starling.forEach(DeployManifestsTest::assertAccepted);
        final JsonNode daemon = pod.path("containers").get(0);
        assertTrue(daemon.path("args").toString().contains("--transport=auto"), daemon.path("args").toString());
        assertTrue(daemon.path("securityContext").path("capabilities").path("add").toString().contains("IPC_LOCK"));
        assertTrue(daemon.path("resources").path("limits").has("rdma/hca_shared_devices_a"),
            "device access through the RDMA device plugin's resource");
        assertTrue(daemon.path("env").toString().contains("starling.rdma.device"));
        final JsonNode inference = docs.get(1);
        assertEquals("Pod", inference.path("kind").asText());
        assertTrue(inference.toString().contains("\"HF_ENDPOINT\"") &&
            inference.toString().contains("http://127.0.0.1:65002"));
        assertTrue(inference.path("spec").path("containers").get(0).path("resources").path("limits")
            .has("nvidia.com/gpu"));
    }

    @Test
    void shouldMatchTheKubernetesApiSchemas() throws Exception
    {
        final Path validator = DEPLOY.resolve("validate");
        assertTrue(Files.isDirectory(validator.resolve("node_modules/kubernetes-models")),
            "run `npm ci --prefix deploy/validate` (run-tests does) to install the schema validator");
        final List<String> command = new ArrayList<>(List.of("node", validator.resolve("validate.mjs").toString()));
        try (var files = Files.list(DEPLOY))
        {
            files.filter(f -> f.toString().endsWith(".yaml")).sorted().forEach(f -> command.add(f.toString()));
        }
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertEquals(9, out.lines().filter(l -> l.endsWith(": valid")).count(), out);
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
