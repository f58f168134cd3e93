package dev.starling.dataplane.store;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive OS file lock on {@code <data dir>/starling.lock}: one process owns a data dir. The lock goes with
 * the process, so a killed owner never leaves it held. The owner's pid is written into the file for the error
 * message another process shows.
 */
public final class DataDirLock implements AutoCloseable
{
    /** Name of the lock file in the data dir. */
    public static final String FILE_NAME = "starling.lock";
    /**
     * Data dirs locked by this JVM. POSIX record locks belong to the process and closing any descriptor of the
     * file drops them, so a second attempt from this process must be refused before it opens the file at all.
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final FileChannel channel;
    private final FileLock lock;
    private final Path key;

    private DataDirLock(final FileChannel channel, final FileLock lock, final Path key)
    {
        this.channel = channel;
        this.lock = lock;
        this.key = key;
    }

    /**
     * @param dataDir the data dir; must exist.
     * @return the held lock.
     * @throws StarlingException {@link ErrorCode#DATA_DIR_LOCKED} when another process holds it.
     */
    public static DataDirLock acquire(final Path dataDir)
    {
        final Path file = dataDir.resolve(FILE_NAME);
        final Path key;
        try
        {
            key = dataDir.toRealPath();
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.DATA_DIR_UNUSABLE, "cannot resolve data dir " + dataDir + ": " + ex, ex);
        }
        if (!HELD.add(key))
        {
            throw new StarlingException(ErrorCode.DATA_DIR_LOCKED, "data dir " + dataDir +
                " is already in use by this process (pid " + ProcessHandle.current().pid() + ")");
        }
        FileChannel channel = null;
        try
        {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try
            {
                lock = channel.tryLock();
            }
            catch (final OverlappingFileLockException ex)
            {
                lock = null;
            }
            if (lock == null)
            {
                HELD.remove(key);
                final String owner = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).trim();
                channel.close();
                throw new StarlingException(ErrorCode.DATA_DIR_LOCKED, "data dir " + dataDir +
                    " is in use by another Starling process" + (owner.isEmpty() ? "" : " (pid " + owner + ")") +
                    ": use that daemon, stop it, or pass another --data-dir");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return new DataDirLock(channel, lock, key);
        }
        catch (final IOException ex)
        {
            HELD.remove(key);
            closeQuietly(channel);
            throw new StarlingException(ErrorCode.DATA_DIR_UNUSABLE,
                "cannot lock data dir " + dataDir + ": " + ex.getMessage(), ex);
        }
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // already failing; the original error is the one to report
            }
        }
    }

    @Override
    public void close()
    {
        try
        {
            lock.release();
        }
        catch (final IOException ignore)
        {
            // closing the channel releases it too
        }
        closeQuietly(channel);
        HELD.remove(key);
    }
}
