package dev.starling.cli;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The files a runtime config command ({@code containerd-config}, {@code crio-config}) writes: collected first, so a
 * bad value fails before anything is written, then either printed ({@code --dry-run}) or each written atomically.
 */
final class RuntimeConfigFiles
{
    private record Planned(Path path, String content)
    {
    }

    private final String command;
    private final List<Planned> files = new ArrayList<>();

    /**
     * @param command the command's name, prefixed to every line it prints.
     */
    RuntimeConfigFiles(final String command)
    {
        this.command = command;
    }

    /**
     * @param path    where the file goes.
     * @param content its whole content.
     */
    void add(final Path path, final String content)
    {
        files.add(new Planned(path, content));
    }

    /**
     * Prints each file with its content, or writes each one atomically and prints its path.
     *
     * @param dryRun true to print only.
     * @param out    where the report goes; caller retains.
     * @throws StarlingException {@link ErrorCode#TARGET_NOT_WRITABLE} when a file or its directory cannot be written.
     */
    void apply(final boolean dryRun, final PrintStream out)
    {
        for (final Planned file : files)
        {
            if (dryRun)
            {
                out.println(command + ": would write " + file.path() + ":");
                out.print(file.content());
            }
            else
            {
                writeAtomically(file.path(), file.content());
                out.println(command + ": wrote " + file.path());
            }
        }
        out.flush();
    }

    /**
     * Writes to a temporary file beside {@code target} and renames it over the target, so a runtime reading the
     * directory sees the old file or the new one, never a part. The temporary name ends in {@code .tmp}, which
     * neither containerd ({@code hosts.toml} only) nor containers-registries.conf.d ({@code *.conf} only) loads.
     */
    static void writeAtomically(final Path target, final String content)
    {
        final Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try
        {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE))
            {
                final ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining())
                {
                    ch.write(bytes);
                }
                ch.force(true);
            }
            // createTempFile makes the file 0600; runtimes and rootless podman must be able to read it.
            final PosixFileAttributeView posix = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
            if (posix != null)
            {
                posix.setPermissions(PosixFilePermissions.fromString("rw-r--r--"));
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.TARGET_NOT_WRITABLE, "cannot write " + target + ": " +
                reason(ex) + " (run as root, or write elsewhere with --dir or --file)", ex);
        }
        finally
        {
            deleteQuietly(tmp);
        }
    }

    private static String reason(final IOException ex)
    {
        if (ex instanceof AccessDeniedException)
        {
            return "permission denied on " + ex.getMessage();
        }
        return ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getClass().getSimpleName() + " " +
            ex.getMessage();
    }

    private static void deleteQuietly(final Path tmp)
    {
        if (tmp == null)
        {
            return;
        }
        try
        {
            Files.deleteIfExists(tmp);
        }
        catch (final IOException ignored)
        {
            // The write already failed and is reported; a stray .tmp file is harmless to both runtimes.
        }
    }
}
