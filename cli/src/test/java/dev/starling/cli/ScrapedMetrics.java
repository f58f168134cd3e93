package dev.starling.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads one value from a daemon's Prometheus {@code /metrics}, for the system tests.
 */
final class ScrapedMetrics
{
    private ScrapedMetrics()
    {
    }

    /**
     * @param port  the daemon's metrics port on 127.0.0.1.
     * @param name  the metric's name.
     * @param label its labels as written, e.g. {@code source="peer"}, or "" for an unlabelled metric.
     * @return the value, or 0 when the daemon does not expose it (yet).
     */
    static double metric(final int port, final String name, final String label) throws Exception
    {
        final String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        final String prefix = label.isEmpty() ? name + " " : name + "{" + label + "}";
        for (final String line : body.split("\n"))
        {
            if (line.startsWith(prefix))
            {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
