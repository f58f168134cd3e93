package dev.starling.cli;

import dev.starling.ociproxy.OciProxyConfiguration;

import java.util.ArrayList;
import java.util.List;

import dev.starling.dataplane.config.DataplaneConfiguration;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.scheduler.SchedulerConfiguration;

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
        final List<String[]> rows = new ArrayList<>();
        for (final DataplaneConfiguration.Setting s : DataplaneConfiguration.SETTINGS)
        {
            rows.add(new String[] {s.flag(), s.yamlKey(), s.property(), s.defaultValue(), s.description()});
        }
        return settings(rows);
    }

    /**
     * @return the markdown table of every scheduler setting.
     */
    public static String schedulerSettingsTable()
    {
        final List<String[]> rows = new ArrayList<>();
        for (final SchedulerConfiguration.Setting s : SchedulerConfiguration.SETTINGS)
        {
            rows.add(new String[] {s.flag(), s.yamlKey(), s.property(), s.defaultValue(), s.description()});
        }
        return settings(rows);
    }

    /**
     * @return the markdown table of every registry mirror setting.
     */
    public static String mirrorSettingsTable()
    {
        final List<String[]> rows = new ArrayList<>();
        for (final DataplaneConfiguration.Setting s : OciProxyConfiguration.SETTINGS)
        {
            rows.add(new String[] {s.flag(), s.yamlKey(), s.property(), s.defaultValue(), s.description()});
        }
        return settings(rows);
    }

    private static String settings(final List<String[]> rows)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("| flag | YAML key | JVM property | default | meaning |\n");
        sb.append("|---|---|---|---|---|\n");
        for (final String[] r : rows)
        {
            sb.append("| `").append(r[0]).append("` | `").append(r[1]).append("` | `").append(r[2]).append("` | ")
                .append(r[3]).append(" | ").append(r[4]).append(" |\n");
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
        System.out.println(errorsTable());
    }
}
