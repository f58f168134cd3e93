package dev.starling.dataplane.scheduler;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * An embedded Aeron media driver and a client connected to it: one per process that talks the scheduler protocol.
 * <p>
 * Every driver gets its own directory (two drivers in one directory collide, and {@code ip netns exec} does not
 * separate {@code /dev/shm}); the directory is deleted on start, so a restart after {@code kill -9} does not fail
 * with "active driver detected", and on a clean close. Term buffers are sized for control messages (sparse files)
 * rather than Aeron's 16/64 MiB defaults, and the driver runs its agents on one thread unless configured otherwise.
 */
public final class EmbeddedAeron implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAeron.class);

    /** Term buffer length of every stream: the largest message is an eighth of it. */
    public static final int TERM_LENGTH_BYTES = 1024 * 1024;
    /**
     * @param name shared, shared_network or dedicated (any case, '-' for '_').
     * @return the threading mode.
     * @throws IllegalArgumentException for another name.
     */
    public static ThreadingMode threadingMode(final String name)
    {
        final String n = name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        if (!n.equals("SHARED") && !n.equals("SHARED_NETWORK") && !n.equals("DEDICATED"))
        {
            throw new IllegalArgumentException("threading must be shared, shared-network or dedicated: " + name);
        }
        return ThreadingMode.valueOf(n);
    }

    /** Largest message the protocol sends (a term holds eight). */
    public static final int MAX_MESSAGE_BYTES = TERM_LENGTH_BYTES / 8;

    private final MediaDriver driver;
    private final Aeron aeron;

    private EmbeddedAeron(final MediaDriver driver, final Aeron aeron)
    {
        this.driver = driver;
        this.aeron = aeron;
    }

    /**
     * Starts a driver in {@code dir} and connects a client.
     *
     * @param dir               the driver's own directory; deleted on start and on close.
     * @param livenessTimeoutMs how long a silent peer (image) or client stays alive; short in tests.
     * @return the running driver and client; the caller owns it.
     */
    public static EmbeddedAeron launch(final Path dir, final long livenessTimeoutMs)
    {
        return launch(dir, livenessTimeoutMs, ThreadingMode.SHARED);
    }

    /**
     * Starts a driver in {@code dir} with the given threading mode and connects a client.
     *
     * @param dir               the driver's own directory; deleted on start and on close.
     * @param livenessTimeoutMs how long a silent peer (image) or client stays alive; short in tests.
     * @param threadingMode     SHARED (one thread for the driver's agents, the default), SHARED_NETWORK or DEDICATED.
     * @return the running driver and client; the caller owns it.
     */
    public static EmbeddedAeron launch(final Path dir, final long livenessTimeoutMs, final ThreadingMode threadingMode)
    {
        final long livenessNs = TimeUnit.MILLISECONDS.toNanos(livenessTimeoutMs);
        final MediaDriver.Context driverCtx = new MediaDriver.Context()
            .aeronDirectoryName(dir.toString())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .threadingMode(threadingMode)
            .sharedIdleStrategy(new BackoffIdleStrategy(16, 16, TimeUnit.MICROSECONDS.toNanos(10),
                TimeUnit.MILLISECONDS.toNanos(1)))
            .termBufferSparseFile(true)
            .publicationTermBufferLength(TERM_LENGTH_BYTES)
            .ipcTermBufferLength(TERM_LENGTH_BYTES)
            .imageLivenessTimeoutNs(livenessNs)
            .publicationConnectionTimeoutNs(livenessNs)
            .clientLivenessTimeoutNs(Math.max(livenessNs, TimeUnit.SECONDS.toNanos(2)))
            .publicationUnblockTimeoutNs(Math.max(livenessNs, TimeUnit.SECONDS.toNanos(2)) * 2)
            .publicationLingerTimeoutNs(TimeUnit.MILLISECONDS.toNanos(100))
            .timerIntervalNs(TimeUnit.MILLISECONDS.toNanos(100))
            .warnIfDirectoryExists(false);
        MediaDriver driver = null;
        try
        {
            driver = MediaDriver.launch(driverCtx);
            final Aeron aeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(driver.aeronDirectoryName())
                .driverTimeoutMs(Math.max(livenessTimeoutMs, 2_000) * 2)
                .errorHandler(ex -> LOG.warn("aeron: {}", ex.toString())));
            return new EmbeddedAeron(driver, aeron);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(driver);
            throw ex;
        }
    }

    /**
     * @return the client; owned by this object.
     */
    public Aeron aeron()
    {
        return aeron;
    }

    /**
     * @return the driver's directory.
     */
    public String directory()
    {
        return driver.aeronDirectoryName();
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(aeron, driver);
    }
}
