package dev.starling.dataplane.transport;

/**
 * Makes a {@link TransportProvider}; implementations are listed in
 * {@code META-INF/services/dev.starling.dataplane.transport.TransportProviderFactory} and found by
 * {@link Transports} through {@link java.util.ServiceLoader}, so the daemon needs no compile-time dependency on
 * a provider (the RDMA one joins at run time).
 */
public interface TransportProviderFactory
{
    /**
     * @return the provider family, e.g. {@code tcp} or {@code rdma}.
     */
    String family();

    /**
     * @return true when the provider can run on this machine (libraries, devices).
     */
    boolean isAvailable();

    /**
     * @return why {@link #isAvailable()} is false (a missing library, no device), for the log line that reports
     *         the fallback; null when it is available.
     */
    default String unavailabilityReason()
    {
        return isAvailable() ? null : "unavailable";
    }

    /**
     * @param engine  provider-specific engine choice ({@code auto} for the best available).
     * @param threads I/O threads.
     * @return a new provider; caller owns it.
     */
    TransportProvider create(String engine, int threads);
}
