package dev.starling.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MainTest
{
    private static final Set<String> ALL = Set.of("get", "daemon", "scheduler", "swarm", "demo", "containerd-config",
        "crio-config", "help");

    @Test
    void shouldBuildOnlyTheSubcommandThatRuns()
    {
        final CommandLine cli = Main.commandLine("get", "http://x/y", "-o", "/tmp/y");

        assertEquals(Set.of("get"), cli.getSubcommands().keySet());
        final CommandLine.ParseResult parsed = cli.parseArgs("get", "http://x/y", "-o", "/tmp/y");
        assertEquals("http://x/y", ((GetCommand)parsed.subcommand().commandSpec().userObject()).url);
    }

    @Test
    void shouldBuildEverySubcommandForUsageAndHelp()
    {
        assertEquals(ALL, Main.commandLine().getSubcommands().keySet());
        assertEquals(ALL, Main.commandLine("help", "get").getSubcommands().keySet());
        assertEquals(ALL, Main.commandLine("--help").getSubcommands().keySet());
        assertEquals(ALL, Main.commandLine("nosuch").getSubcommands().keySet());
    }

    @Test
    void shouldRejectAnUnknownSubcommandAsAUsageError()
    {
        assertEquals(Main.USAGE_EXIT_CODE, Main.execute("nosuch"));
    }
}
