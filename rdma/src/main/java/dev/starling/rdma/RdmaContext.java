package dev.starling.rdma;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.Locale;

/**
 * The RDMA provider's settings for one provider instance, with fluent setters; defaults come from
 * {@link RdmaConfiguration}. Call {@link #conclude()} once all values are set: it validates them.
 */
public final class RdmaContext
{
    private String device = RdmaConfiguration.device();
    private String idle = RdmaConfiguration.idle();
    private int readsInFlight = RdmaConfiguration.readsInFlight();
    private int chunkBytes = RdmaConfiguration.chunkBytes();
    private long stagingBytes = RdmaConfiguration.stagingBytes();
    private long registeredBytes = RdmaConfiguration.registeredBytes();
    private int resolveTimeoutMs = RdmaConfiguration.resolveTimeoutMs();

    /**
     * Validates the settings.
     *
     * @return this.
     * @throws StarlingException with {@link ErrorCode#BAD_CONFIG} naming the bad setting.
     */
    public RdmaContext conclude()
    {
        require(device != null, RdmaConfiguration.DEVICE_PROP + " must be set (empty for the first device)");
        final String i = idle == null ? "" : idle.toLowerCase(Locale.ROOT);
        require(i.equals("backoff") || i.equals("busy-spin"), RdmaConfiguration.IDLE_PROP +
            " must be backoff or busy-spin: " + idle);
        idle = i;
        require(readsInFlight >= 1 && readsInFlight <= 64, RdmaConfiguration.READS_IN_FLIGHT_PROP +
            " must be 1..64: " + readsInFlight);
        require(Integer.bitCount(chunkBytes) == 1 && chunkBytes >= 64 << 10 && chunkBytes <= 64 << 20,
            RdmaConfiguration.CHUNK_BYTES_PROP + " must be a power of two from 64 KiB to 64 MiB: " + chunkBytes);
        require(stagingBytes >= (long)chunkBytes * readsInFlight, RdmaConfiguration.STAGING_BYTES_PROP +
            " must hold at least one connection's slots (" + (long)chunkBytes * readsInFlight + " bytes): " +
            stagingBytes);
        require(stagingBytes / chunkBytes <= 1 << 20, RdmaConfiguration.STAGING_BYTES_PROP +
            " holds too many slots: " + stagingBytes);
        require(registeredBytes >= 0, RdmaConfiguration.REGISTERED_BYTES_PROP + " must be >= 0: " + registeredBytes);
        require(resolveTimeoutMs > 0, RdmaConfiguration.RESOLVE_TIMEOUT_MS_PROP + " must be > 0: " +
            resolveTimeoutMs);
        return this;
    }

    private static void require(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, message);
        }
    }

    /**
     * @return the device name, empty for the first.
     */
    public String device()
    {
        return device;
    }

    /**
     * @param device the device name, empty for the first.
     * @return this.
     */
    public RdmaContext device(final String device)
    {
        this.device = device;
        return this;
    }

    /**
     * @return backoff or busy-spin.
     */
    public String idle()
    {
        return idle;
    }

    /**
     * @param idle backoff or busy-spin.
     * @return this.
     */
    public RdmaContext idle(final String idle)
    {
        this.idle = idle;
        return this;
    }

    /**
     * @return a new idle strategy of the configured kind, for one agent.
     */
    public IdleStrategy newIdleStrategy()
    {
        return "busy-spin".equals(idle) ? new BusySpinIdleStrategy() : new BackoffIdleStrategy();
    }

    /**
     * @return pieces one connection reads at once.
     */
    public int readsInFlight()
    {
        return readsInFlight;
    }

    /**
     * @param readsInFlight pieces one connection reads at once.
     * @return this.
     */
    public RdmaContext readsInFlight(final int readsInFlight)
    {
        this.readsInFlight = readsInFlight;
        return this;
    }

    /**
     * @return bytes one READ moves (and one staging slot's size).
     */
    public int chunkBytes()
    {
        return chunkBytes;
    }

    /**
     * @param chunkBytes bytes one READ moves.
     * @return this.
     */
    public RdmaContext chunkBytes(final int chunkBytes)
    {
        this.chunkBytes = chunkBytes;
        return this;
    }

    /**
     * @return the child's registered staging memory.
     */
    public long stagingBytes()
    {
        return stagingBytes;
    }

    /**
     * @param stagingBytes the child's registered staging memory.
     * @return this.
     */
    public RdmaContext stagingBytes(final long stagingBytes)
    {
        this.stagingBytes = stagingBytes;
        return this;
    }

    /**
     * @return the parent's registration budget.
     */
    public long registeredBytes()
    {
        return registeredBytes;
    }

    /**
     * @param registeredBytes the parent's registration budget.
     * @return this.
     */
    public RdmaContext registeredBytes(final long registeredBytes)
    {
        this.registeredBytes = registeredBytes;
        return this;
    }

    /**
     * @return timeout of each rdma_cm resolve step.
     */
    public int resolveTimeoutMs()
    {
        return resolveTimeoutMs;
    }

    /**
     * @param resolveTimeoutMs timeout of each rdma_cm resolve step.
     * @return this.
     */
    public RdmaContext resolveTimeoutMs(final int resolveTimeoutMs)
    {
        this.resolveTimeoutMs = resolveTimeoutMs;
        return this;
    }
}
