package dev.starling.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code starling} command. Subcommands do the work; this class only wires them.
 */
@Command(
    name = "starling",
    mixinStandardHelpOptions = true,
    version = "starling 0.1.0",
    description = "Peer-to-peer distribution of container images and model weights.",
    subcommands = {GetCommand.class, DaemonCommand.class, SchedulerCommand.class, SwarmCommand.class,
        DemoCommand.class, ContainerdConfigCommand.class, CrioConfigCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable
{
    /** Exit code for command-line usage errors (unknown flag, missing argument). */
    public static final int USAGE_EXIT_CODE = 2;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(System.err);
    }

    /**
     * @param args command line.
     * @return the process exit code.
     */
    public static int execute(final String... args)
    {
        return new CommandLine(new Main())
            .setExitCodeExceptionMapper(t -> USAGE_EXIT_CODE)
            .execute(args);
    }

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(execute(args));
    }
}
