package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneConfiguration;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.modelproxy.HubProxyConfiguration;
import dev.starling.ociproxy.OciProxyConfiguration;
import dev.starling.scheduler.SchedulerConfiguration;

import java.util.List;

/**
 * Generates the tables in {@code docs/configuration.md} and {@code docs/errors.md} from the code, so the docs
 * cannot drift: {@code DocsTablesTest} fails when a table in the docs differs from what this prints.
 */
public final class DocsTables
{
    private DocsTables()
    {
    }

    /**
     * @return the markdown table of every dataplane setting.
     */
    public static String settingsTable()
    {
        return settings(DataplaneConfiguration.SETTINGS);
    }

    /**
     * @return the markdown table of every scheduler setting.
     */
    public static String schedulerSettingsTable()
    {
        return settings(SchedulerConfiguration.SETTINGS);
    }

    /**
     * @return the markdown table of every registry mirror setting.
     */
    public static String mirrorSettingsTable()
    {
        return settings(OciProxyConfiguration.SETTINGS);
    }

    /**
     * @return the markdown table of every model hub setting.
     */
    public static String hubSettingsTable()
    {
        return settings(HubProxyConfiguration.SETTINGS);
    }

    private static String settings(final List<DataplaneConfiguration.Setting> settings)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("| flag | YAML key | JVM property | default | meaning |\n");
        sb.append("|---|---|---|---|---|\n");
        for (final DataplaneConfiguration.Setting s : settings)
        {
            sb.append("| `").append(s.flag()).append("` | `").append(s.yamlKey()).append("` | `").append(s.property())
                .append("` | ").append(s.defaultValue()).append(" | ").append(s.description()).append(" |\n");
        }
        return sb.toString();
    }

    /**
     * @return the markdown table of every error code.
     */
    public static String errorsTable()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("| code | exit code | piece retried with backoff |\n");
        sb.append("|---|---|---|\n");
        for (final ErrorCode c : ErrorCode.values())
        {
            sb.append("| `").append(c.name()).append("` | ").append(c.exitCode()).append(" | ")
                .append(c.retryable() ? "yes" : "no").append(" |\n");
        }
        return sb.toString();
    }

    /**
     * Prints every table.
     *
     * @param args ignored.
     */
    public static void main(final String[] args)
    {
        System.out.println(settingsTable());
        System.out.println(schedulerSettingsTable());
        System.out.println(mirrorSettingsTable());
        System.out.println(hubSettingsTable());
        System.out.println(errorsTable());
    }
}
