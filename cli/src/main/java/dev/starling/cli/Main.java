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
    description = "Peer-to-peer distribution of container images and model weights.")
public final class Main implements Runnable
{
    /**
     * The subcommands, in the order help lists them. Added by {@link #commandLine} rather than through the
     * annotation, so that a run builds picocli's model of the one it runs only: reflecting over every command's
     * options took about a third of a {@code starling get}'s start-up (0.28 s of 0.84 s, measured on two cores), and
     * a get through a daemon is a short-lived process that many nodes start at once.
     */
    private static final Class<?>[] SUBCOMMANDS = {GetCommand.class, DaemonCommand.class, SchedulerCommand.class,
        SwarmCommand.class, DemoCommand.class, ContainerdConfigCommand.class, CrioConfigCommand.class,
        CommandLine.HelpCommand.class};

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
        return commandLine(args)
            .setExitCodeExceptionMapper(t -> USAGE_EXIT_CODE)
            .execute(args);
    }

    /**
     * @param args the command line it is for: when its first word names a subcommand (other than help), only that
     *     one is added; otherwise, and with no arguments, all of them (for usage and {@code help}).
     * @return the {@code starling} command line.
     */
    public static CommandLine commandLine(final String... args)
    {
        final CommandLine cli = new CommandLine(new Main());
        final Class<?> only = args.length == 0 ? null : subcommandNamed(args[0]);
        if (only != null)
        {
            cli.addSubcommand(only);
            return cli;
        }
        for (final Class<?> c : SUBCOMMANDS)
        {
            cli.addSubcommand(c);
        }
        return cli;
    }

    private static Class<?> subcommandNamed(final String word)
    {
        for (final Class<?> c : SUBCOMMANDS)
        {
            if (c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(word))
            {
                return c;
            }
        }
        return null;
    }

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(execute(args));
    }
}
