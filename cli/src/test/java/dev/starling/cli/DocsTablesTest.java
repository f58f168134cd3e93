package dev.starling.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DocsTablesTest
{
    private static final Path DOCS = Path.of(System.getProperty("user.dir")).getParent().resolve("docs");

    @Test
    void shouldMatchSettingsTableInConfigurationDoc() throws Exception
    {
        assertEquals(DocsTables.settingsTable(), generatedBlock(DOCS.resolve("configuration.md"), "settings"),
            "docs/configuration.md is out of date: paste DocsTables.settingsTable() between its markers");
    }

    @Test
    void shouldMatchSchedulerSettingsTableInConfigurationDoc() throws Exception
    {
        assertEquals(DocsTables.schedulerSettingsTable(),
            generatedBlock(DOCS.resolve("configuration.md"), "scheduler-settings"),
            "docs/configuration.md is out of date: paste DocsTables.schedulerSettingsTable() between its markers");
    }

    @Test
    void shouldMatchMirrorSettingsTableInConfigurationDoc() throws Exception
    {
        assertEquals(DocsTables.mirrorSettingsTable(),
            generatedBlock(DOCS.resolve("configuration.md"), "mirror-settings"),
            "docs/configuration.md is out of date: paste DocsTables.mirrorSettingsTable() between its markers");
    }

    @Test
    void shouldMatchHubSettingsTableInConfigurationDoc() throws Exception
    {
        assertEquals(DocsTables.hubSettingsTable(),
            generatedBlock(DOCS.resolve("configuration.md"), "hub-settings"),
            "docs/configuration.md is out of date: paste DocsTables.hubSettingsTable() between its markers");
    }

    @Test
    void shouldMatchErrorsTableInErrorsDoc() throws Exception
    {
        assertEquals(DocsTables.errorsTable(), generatedBlock(DOCS.resolve("errors.md"), "errors"),
            "docs/errors.md is out of date: paste DocsTables.errorsTable() between its markers");
    }

    private static String generatedBlock(final Path doc, final String name) throws Exception
    {
        final String text = Files.readString(doc);
        final String start = "<!-- generated:" + name + " -->\n";
        final int from = text.indexOf(start);
        final int to = text.indexOf("<!-- /generated -->", from);
        return text.substring(from + start.length(), to);
    }
}
