package dev.starling.dataplane.transport;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds transport providers at run time through {@link ServiceLoader}, picks the best one a node can run
 * ({@link #openPreferred}: RDMA where its provider is on the class path and a device answers, TCP otherwise), and
 * counts every fall back from one provider to another ({@link #fallbackCount()}): the provider that could not run
 * here at start, and a connection or a piece that could not use it later. Each kind of fallback is logged once per
 * process, at WARN, with its reason; later ones of the same kind only at DEBUG, but every one is counted.
 */
public final class Transports
{
    /** Family of the always-present provider. */
    public static final String TCP = "tcp";
    /** Family of the RDMA provider (the {@code rdma} module, built on JDK 22 and later). */
    public static final String RDMA = "rdma";

    private static final Logger LOG = LoggerFactory.getLogger(Transports.class);
    private static final AtomicLong FALLBACKS = new AtomicLong();
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();
    private static final List<Runnable> LISTENERS = new CopyOnWriteArrayList<>();

    private Transports()
    {
    }

    /**
     * @return the families of the providers on the class path that can run here.
     */
    public static List<String> availableFamilies()
    {
        final List<String> families = new ArrayList<>();
        for (final TransportProviderFactory f : factories())
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
        String reason = null;
        for (final TransportProviderFactory f : factories())
        {
            if (f.family().equals(family))
            {
                if (f.isAvailable())
                {
                    return f.create(engine, threads);
                }
                reason = f.unavailabilityReason();
            }
        }
        throw new StarlingException(ErrorCode.BAD_CONFIG, "no available transport provider '" + family +
            "'" + (reason == null ? "" : " (" + reason + ")") + " (available: " + availableFamilies() + ")");
    }

    /**
     * Opens the piece transport a node should use for the {@code --transport} setting: {@code rdma} forces the RDMA
     * provider; {@code auto} takes it when it is on the class path and can run here, else falls back to TCP (its
     * best engine), logged once and counted; any other value is a TCP engine.
     *
     * @param transport {@code auto}, {@code rdma}, or a TCP engine ({@code io_uring}, {@code epoll}, {@code nio}).
     * @param threads   I/O threads.
     * @return the provider; caller owns it.
     * @throws StarlingException {@link ErrorCode#BAD_CONFIG} when {@code rdma} is forced but unavailable, or the
     *                           TCP engine is unknown or unavailable.
     */
    public static TransportProvider openPreferred(final String transport, final int threads)
    {
        final String wanted = transport == null ? "auto" : transport.toLowerCase(Locale.ROOT);
        if (RDMA.equals(wanted))
        {
            return open(RDMA, "auto", threads);
        }
        if (!"auto".equals(wanted))
        {
            return open(TCP, transport, threads);
        }
        for (final TransportProviderFactory f : factories())
        {
            if (!RDMA.equals(f.family()))
            {
                continue;
            }
            if (!f.isAvailable())
            {
                recordFallback(RDMA, TCP, "unavailable", f.unavailabilityReason());
                break;
            }
            try
            {
                return f.create("auto", threads);
            }
            catch (final RuntimeException ex)
            {
                recordFallback(RDMA, TCP, "failed-to-start", "the provider failed to start: " + ex.getMessage());
                break;
            }
        }
        return open(TCP, "auto", threads);
    }

    /**
     * @return the provider factories on the class path that load. One that does not (a jar built for a newer JDK
     *         than this one, left in a lib directory) is logged once and skipped, so it cannot take TCP down with it.
     */
    private static List<TransportProviderFactory> factories()
    {
        final List<TransportProviderFactory> factories = new ArrayList<>();
        final Iterator<TransportProviderFactory> it = ServiceLoader.load(TransportProviderFactory.class).iterator();
        while (true)
        {
            try
            {
                if (!it.hasNext())
                {
                    return factories;
                }
                factories.add(it.next());
            }
            catch (final ServiceConfigurationError | LinkageError ex)
            {
                // LinkageError: ServiceLoader passes a class built for a newer JDK (UnsupportedClassVersionError)
                // straight through; the iterator has moved past it either way.
                if (LOGGED.add("unloadable:" + ex.getMessage()))
                {
                    LOG.warn("piece transport: a provider on the class path cannot be loaded, skipped: {}",
                        ex.getMessage());
                }
            }
        }
    }

    /**
     * Counts a fall back from one transport to another and logs it (at WARN the first time this kind happens in
     * the process, at DEBUG after that). Providers call it when a connection cannot use what they offer. Any
     * thread.
     *
     * @param from   what was wanted, e.g. {@code rdma}.
     * @param to     what is used instead, e.g. {@code tcp}.
     * @param kind   the kind of fallback, logged once each: e.g. {@code unavailable} (at start),
     *               {@code peer-refused} (a parent without it), {@code read-failed} (a connection's reads failed).
     * @param reason why, for the log.
     */
    public static void recordFallback(final String from, final String to, final String kind, final String reason)
    {
        FALLBACKS.incrementAndGet();
        if (LOGGED.add(from + "->" + to + ":" + kind))
        {
            LOG.warn("piece transport: {} -> {} ({}): {}", from, to, kind, reason);
        }
        else
        {
            LOG.debug("piece transport: {} -> {} ({}): {}", from, to, kind, reason);
        }
        for (final Runnable listener : LISTENERS)
        {
            listener.run();
        }
    }

    /**
     * @return fallbacks recorded through {@link #recordFallback} in this process.
     */
    public static long fallbackCount()
    {
        return FALLBACKS.get();
    }

    /**
     * @param listener called on the recording thread after every fallback from now on (the daemon counts them in
     *                 its metrics).
     */
    public static void addFallbackListener(final Runnable listener)
    {
        LISTENERS.add(listener);
    }

    /**
     * @param listener a listener given to {@link #addFallbackListener}.
     */
    public static void removeFallbackListener(final Runnable listener)
    {
        LISTENERS.remove(listener);
    }
}
