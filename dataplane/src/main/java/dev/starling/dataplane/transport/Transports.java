package dev.starling.dataplane.transport;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds transport providers at run time through {@link ServiceLoader}.
 */
public final class Transports
{
    private Transports()
    {
    }

    /**
     * @return the families of the providers on the class path that can run here.
     */
    public static List<String> availableFamilies()
    {
        final List<String> families = new ArrayList<>();
        for (final TransportProviderFactory f : ServiceLoader.load(TransportProviderFactory.class))
        {
            if (f.isAvailable())
            {
                families.add(f.family());
            }
        }
        return families;
    }

    /**
     * Opens a provider of the given family.
     *
     * @param family  e.g. {@code tcp}.
     * @param engine  provider-specific engine ({@code auto} for the best available).
     * @param threads I/O threads.
     * @return the provider; caller owns it.
     * @throws StarlingException {@link ErrorCode#BAD_CONFIG} when no available provider has that family.
     */
    public static TransportProvider open(final String family, final String engine, final int threads)
    {
        for (final TransportProviderFactory f : ServiceLoader.load(TransportProviderFactory.class))
        {
            if (f.family().equals(family) && f.isAvailable())
            {
                return f.create(engine, threads);
            }
        }
        throw new StarlingException(ErrorCode.BAD_CONFIG, "no available transport provider '" + family +
            "' (available: " + availableFamilies() + ")");
    }
}
