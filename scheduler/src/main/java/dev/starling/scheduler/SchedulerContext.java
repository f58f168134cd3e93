package dev.starling.scheduler;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * The scheduler's settings for one process, with fluent setters; defaults come from
 * {@link SchedulerConfiguration}. Call {@link #conclude()} once all values are set: it validates them, and the
 * context is then read-only by convention.
 */
public final class SchedulerContext
{
    private String listen = SchedulerConfiguration.listen();
    private Path aeronDir;
    private long peerTimeoutMs = SchedulerConfiguration.peerTimeoutMs();
    private int maxBackToSource = SchedulerConfiguration.maxBackToSource();
    private int candidateParents = SchedulerConfiguration.candidateParents();
    private long aeronLivenessMs = SchedulerConfiguration.aeronLivenessMs();
    private io.aeron.driver.ThreadingMode aeronThreading;
    private String aeronThreadingName = SchedulerConfiguration.aeronThreading();
    private EpochClock epochClock = SystemEpochClock.INSTANCE;
    private InetSocketAddress listenAddress;
    private boolean concluded;

    /**
     * Validates the settings and fills in the Aeron directory when none was given.
     *
     * @return this.
     * @throws StarlingException with {@link ErrorCode#BAD_CONFIG} naming the bad setting.
     */
    public SchedulerContext conclude()
    {
        listenAddress = DataplaneContext.parseAddress("listen", listen);
        require(peerTimeoutMs > 0, "peer-timeout must be > 0: " + peerTimeoutMs + " ms");
        require(maxBackToSource >= 1 && maxBackToSource <= 1024, "max-back-to-source must be 1..1024: " +
            maxBackToSource);
        require(candidateParents >= 1 && candidateParents <= 256, "candidate-parents must be 1..256: " +
            candidateParents);
        try
        {
            aeronThreading = dev.starling.dataplane.scheduler.EmbeddedAeron.threadingMode(aeronThreadingName);
        }
        catch (final IllegalArgumentException ex)
        {
            require(false, ex.getMessage());
        }
        require(aeronLivenessMs >= 100, "aeron-liveness must be >= 100ms: " + aeronLivenessMs + " ms");
        require(epochClock != null, "an epoch clock must be set");
        if (aeronDir == null)
        {
            aeronDir = SchedulerConfiguration.aeronDir(listenAddress.getPort());
        }
        aeronDir = aeronDir.toAbsolutePath().normalize();
        concluded = true;
        return this;
    }

    private static void require(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, message);
        }
    }

    /** @return true once {@link #conclude()} succeeded. */
    public boolean isConcluded()
    {
        return concluded;
    }

    /** @return the listen address as given ({@code HOST:PORT}). */
    public String listen()
    {
        return listen;
    }

    /**
     * @param listen {@code HOST:PORT} the UDP subscription binds (port 0: any free port).
     * @return this.
     */
    public SchedulerContext listen(final String listen)
    {
        this.listen = listen;
        return this;
    }

    /** @return the parsed listen address, once concluded. */
    public InetSocketAddress listenAddress()
    {
        return listenAddress;
    }

    /** @return the media driver's directory. */
    public Path aeronDir()
    {
        return aeronDir;
    }

    /**
     * @param aeronDir the media driver's own directory (deleted on start and on close).
     * @return this.
     */
    public SchedulerContext aeronDir(final Path aeronDir)
    {
        this.aeronDir = aeronDir;
        return this;
    }

    /** @return how long a silent host stays registered, ms. */
    public long peerTimeoutMs()
    {
        return peerTimeoutMs;
    }

    /**
     * @param peerTimeoutMs how long a silent host stays registered, ms.
     * @return this.
     */
    public SchedulerContext peerTimeoutMs(final long peerTimeoutMs)
    {
        this.peerTimeoutMs = peerTimeoutMs;
        return this;
    }

    /** @return peers at most sent to the origin at a time per task without a seed. */
    public int maxBackToSource()
    {
        return maxBackToSource;
    }

    /**
     * @param maxBackToSource peers at most sent to the origin at a time per task without a seed.
     * @return this.
     */
    public SchedulerContext maxBackToSource(final int maxBackToSource)
    {
        this.maxBackToSource = maxBackToSource;
        return this;
    }

    /** @return candidate parents per {@code Parents}. */
    public int candidateParents()
    {
        return candidateParents;
    }

    /**
     * @param candidateParents candidate parents per {@code Parents}.
     * @return this.
     */
    public SchedulerContext candidateParents(final int candidateParents)
    {
        this.candidateParents = candidateParents;
        return this;
    }

    /** @return Aeron's liveness timeout, ms. */
    public long aeronLivenessMs()
    {
        return aeronLivenessMs;
    }

    /**
     * @param aeronLivenessMs Aeron's liveness timeout, ms (short in tests).
     * @return this.
     */
    public SchedulerContext aeronLivenessMs(final long aeronLivenessMs)
    {
        this.aeronLivenessMs = aeronLivenessMs;
        return this;
    }

    /** @return the clock the agent reads once per duty cycle. */
    public EpochClock epochClock()
    {
        return epochClock;
    }

    /**
     * @param epochClock the clock the agent reads once per duty cycle (tests pass one they control).
     * @return this.
     */
    public SchedulerContext epochClock(final EpochClock epochClock)
    {
        this.epochClock = epochClock;
        return this;
    }

    /**
     * @return the embedded media driver's threading mode (after {@link #conclude()}).
     */
    public io.aeron.driver.ThreadingMode aeronThreading()
    {
        return aeronThreading;
    }

    /**
     * @param aeronThreading shared, shared-network or dedicated.
     * @return this.
     */
    public SchedulerContext aeronThreading(final String aeronThreading)
    {
        this.aeronThreadingName = aeronThreading;
        return this;
    }
}
