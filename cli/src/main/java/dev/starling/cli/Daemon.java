package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.download.DownloadRequest;
import dev.starling.dataplane.download.DownloadResult;
import dev.starling.dataplane.download.OriginDownloader;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.scheduler.EmbeddedAeron;
import dev.starling.dataplane.scheduler.SchedulerClient;
import dev.starling.dataplane.source.SourceRequest;
import dev.starling.dataplane.task.TaskId;
import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.metrics.MetricsServer;
import dev.starling.dataplane.node.NodeServices;
import dev.starling.modelproxy.HubProxy;
import dev.starling.modelproxy.HubProxyContext;
import dev.starling.ociproxy.OciProxy;
import dev.starling.ociproxy.OciProxyContext;
import dev.starling.dataplane.peer.StorePieceSource;
import dev.starling.dataplane.source.SourceBackends;
import dev.starling.dataplane.source.http.HttpSourceBackend;
import dev.starling.dataplane.source.http.OriginTls;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.transport.PieceServer;
import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.Transports;
import dev.starling.dataplane.transport.tcp.TcpTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node daemon's wiring: the store, the piece server, origin backends, the metrics endpoint and the control
 * endpoint for {@code starling get}. One per data dir.
 */
final class Daemon implements AutoCloseable, NodeServices
{
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final DataplaneContext ctx;
    private final PieceStore store;
    private final DataplaneMetrics metrics = new DataplaneMetrics();
    private final TransportProvider transport;
    private final Runnable countFallback = metrics::onTransportFallback;
    private final StorePieceSource source;
    private final PieceServer pieceServer;
    private final SourceBackends backends;
    private final MetricsServer metricsServer;
    private final ControlServer control;
    private final EmbeddedAeron aeron;
    private final OciProxy mirror;
    private final HubProxy hub;
    private final ExecutorService fetches = Executors.newCachedThreadPool(r ->
    {
        final Thread t = new Thread(r, "starling-fetch");
        t.setDaemon(true);
        return t;
    });
    private final SchedulerClient scheduler;
    private final ExecutorService seedDownloads = Executors.newCachedThreadPool(r ->
    {
        final Thread t = new Thread(r, "starling-seed-download");
        t.setDaemon(true);
        return t;
    });
    private final ConcurrentMap<String, Object> taskLocks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r ->
    {
        final Thread t = new Thread(r, "starling-housekeeping");
        t.setDaemon(true);
        return t;
    });

    Daemon(final DataplaneContext ctx)
    {
        this(ctx, true);
    }

    /**
     * @param ctx     concluded context.
     * @param control whether to answer {@code starling get} on the control socket (an embedded get does not).
     */
    Daemon(final DataplaneContext ctx, final boolean control)
    {
        this(ctx, control, null);
    }

    /**
     * @param ctx     concluded context.
     * @param control whether to answer {@code starling get} on the control socket.
     * @param link    an Aeron client and channels to reach an in-process scheduler (the swarm), or null to use
     *                {@code --scheduler} over UDP with an embedded media driver of its own.
     */
    Daemon(final DataplaneContext ctx, final boolean control, final SchedulerWiring.Link link)
    {
        this(ctx, control, link, null, null);
    }

    /**
     * @param ctx     concluded context.
     * @param control whether to answer {@code starling get} on the control socket.
     * @param link    an in-process scheduler link, or null.
     * @param mirrorCtx the registry mirror's settings, or null for none.
     * @param hubCtx    the model hub endpoint's settings, or null for none.
     */
    Daemon(final DataplaneContext ctx, final boolean control, final SchedulerWiring.Link link,
        final OciProxyContext mirrorCtx, final HubProxyContext hubCtx)
    {
        this.ctx = ctx;
        store = PieceStore.open(ctx);
        TransportProvider t = null;
        StorePieceSource s = null;
        PieceServer ps = null;
        SourceBackends b = null;
        MetricsServer ms = null;
        EmbeddedAeron a = null;
        SchedulerClient sc = null;
        OciProxy m = null;
        HubProxy h = null;
        try
        {
            t = Transports.openPreferred(ctx.transport(), Math.max(1, Runtime.getRuntime().availableProcessors()));
            metrics.transportInUse(t.name());
            // Fallbacks before this daemon existed (engine choice, RDMA unavailable), then every later one (a
            // connection that could not use RDMA).
            for (long i = 0; i < TcpTransport.fallbackCount() + Transports.fallbackCount(); i++)
            {
                metrics.onTransportFallback();
            }
            Transports.addFallbackListener(countFallback);
            s = new StorePieceSource(store, metrics, ctx.seed());
            ps = t.startServer(ctx.pieceListen(), s);
            // Blob downloads for the mirror trust what the mirror trusts (--registry-ca, --registry-insecure).
            b = new SourceBackends().register(new HttpSourceBackend(ctx, 2, mirrorCtx == null ?
                OriginTls.jdkDefault() : mirrorCtx.originTls()));
            ms = new MetricsServer(ctx.metricsListen(), metrics, () -> null);
            if (link != null)
            {
                sc = SchedulerWiring.connect(ctx, link, ps.localAddress(), store, metrics, this::seed,
                    t.remoteReadDevice());
            }
            else if (!ctx.scheduler().isEmpty())
            {
                a = EmbeddedAeron.launch(SchedulerWiring.aeronDir(ctx), ctx.aeronLivenessMs(),
                    EmbeddedAeron.threadingMode(ctx.aeronThreading()));
                sc = SchedulerWiring.connect(ctx, a, ps.localAddress(), store, metrics, this::seed,
                    t.remoteReadDevice());
            }
            this.control = control ? new ControlServer(ControlProtocol.socketPath(ctx.dataDir()), this::get) : null;
        }
        catch (final RuntimeException ex)
        {
            Transports.removeFallbackListener(countFallback);
            closeAll(sc, a, ms, b, ps, s, t);
            store.close();
            throw ex;
        }
        transport = t;
        source = s;
        pieceServer = ps;
        backends = b;
        metricsServer = ms;
        aeron = a;
        scheduler = sc;
        try
        {
            if (mirrorCtx != null && (mirrorCtx.mirrorAddress() != null || !mirrorCtx.registryListeners().isEmpty()))
            {
                m = OciProxy.start(mirrorCtx, this, 2);
            }
            if (hubCtx != null && hubCtx.hubAddress() != null)
            {
                h = HubProxy.start(hubCtx, this, 2);
            }
        }
        catch (final RuntimeException ex)
        {
            Transports.removeFallbackListener(countFallback);
            closeAll(m, this.control, sc, a, ms, b, ps, s, t);
            store.close();
            throw ex;
        }
        mirror = m;
        hub = h;
        housekeeping.scheduleWithFixedDelay(this::countTasks, 0, 10, TimeUnit.SECONDS);
        LOG.warn("starling daemon: data dir {}, pieces on {} ({}), metrics on {}{}", ctx.dataDir(),
            pieceServer.localAddress(), transport.name(), ctx.metricsListen(), scheduler == null ? "" :
            ", scheduler " + (link != null ? "in this process" : ctx.scheduler()) + " as peer " + Long.toHexString(scheduler.host().peerId()) +
            (ctx.seed() ? " (seed)" : ""));
    }

    private void countTasks()
    {
        try
        {
            final long[] counts = store.taskCounts();
            metrics.tasks(counts[0], counts[1]);
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("counting tasks failed: {}", ex.toString());
        }
    }

    InetSocketAddress pieceAddress()
    {
        return pieceServer.localAddress();
    }

    int metricsPort()
    {
        return metricsServer.port();
    }

    /**
     * Runs one get for a control client. Gets of the same task wait for each other (the second then finds the
     * task complete); different tasks run side by side.
     */
    GetOutcome get(final GetRequest request, final DownloadListener listener)
    {
        final Object lock = taskLocks.computeIfAbsent(GetJob.taskId(request).hex(), k -> new Object());
        synchronized (lock)
        {
            return GetJob.run(ctx, store, backends, transport, metrics, scheduler, request, listener);
        }
    }

    /**
     * The scheduler asks this node to fetch a task from its origin (it is the seed): download it into the store,
     * on a thread of its own, and keep it there for the peers.
     */
    private void seed(final TaskId taskId, final String url)
    {
        seedDownloads.execute(() ->
        {
            final Object lock = taskLocks.computeIfAbsent(taskId.hex(), k -> new Object());
            synchronized (lock)
            {
                try
                {
                    final DownloadResult result = new OriginDownloader(ctx, store, backends, transport, metrics,
                        scheduler).download(new DownloadRequest(new SourceRequest(URI.create(url), List.of(), null),
                        taskId, null), DownloadListener.NONE);
                    LOG.info("seeded task {} ({} bytes from the origin)", taskId, result.bytesFromOrigin());
                    result.handle().close();
                }
                catch (final RuntimeException ex)
                {
                    LOG.warn("seeding task {} from {} failed: {}", taskId, url, ex instanceof StarlingException ?
                        ((StarlingException)ex).describe() : ex.toString());
                }
            }
        });
    }

    @Override
    public DataplaneContext context()
    {
        return ctx;
    }

    @Override
    public PieceStore store()
    {
        return store;
    }

    @Override
    public CompletableFuture<DownloadResult> fetch(final DownloadRequest request, final DownloadListener listener)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            final Object lock = taskLocks.computeIfAbsent(request.taskId().hex(), k -> new Object());
            synchronized (lock)
            {
                return new OriginDownloader(ctx, store, backends, transport, metrics, scheduler)
                    .download(request, listener);
            }
        }, fetches);
    }

    /**
     * @return the registry mirror's address, or null when it is off.
     */
    InetSocketAddress mirrorAddress()
    {
        return mirror == null ? null : mirror.localAddress();
    }

    /**
     * @return the model hub endpoint's address, or null when it is off.
     */
    InetSocketAddress hubAddress()
    {
        return hub == null ? null : hub.localAddress();
    }

    /**
     * @return each registry listener's address, by registry, in the order configured; empty for none.
     */
    Map<String, InetSocketAddress> mirrorRegistryAddresses()
    {
        return mirror == null ? Map.of() : mirror.registryAddresses();
    }

    /**
     * @return this daemon's scheduler client, or null without {@code --scheduler}.
     */
    SchedulerClient scheduler()
    {
        return scheduler;
    }

    @Override
    public DataplaneMetrics metrics()
    {
        return metrics;
    }

    private static void closeAll(final AutoCloseable... closeables)
    {
        for (final AutoCloseable c : closeables)
        {
            if (c != null)
            {
                try
                {
                    c.close();
                }
                catch (final Exception ex)
                {
                    LOG.warn("closing {}: {}", c, ex.toString());
                }
            }
        }
    }

    @Override
    public void close()
    {
        housekeeping.shutdownNow();
        seedDownloads.shutdownNow();
        fetches.shutdownNow();
        Transports.removeFallbackListener(countFallback);
        closeAll(hub, mirror, control, scheduler, aeron, metricsServer, pieceServer, source, backends, transport);
        store.close();
    }
}
