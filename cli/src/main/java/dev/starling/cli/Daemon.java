package dev.starling.cli;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.metrics.MetricsServer;
import dev.starling.dataplane.peer.StorePieceSource;
import dev.starling.dataplane.source.SourceBackends;
import dev.starling.dataplane.source.http.HttpSourceBackend;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.transport.PieceServer;
import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.Transports;
import dev.starling.dataplane.transport.tcp.TcpTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node daemon's wiring: the store, the piece server, origin backends, the metrics endpoint and the control
 * endpoint for {@code starling get}. One per data dir.
 */
final class Daemon implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final DataplaneContext ctx;
    private final PieceStore store;
    private final DataplaneMetrics metrics = new DataplaneMetrics();
    private final TransportProvider transport;
    private final StorePieceSource source;
    private final PieceServer pieceServer;
    private final SourceBackends backends;
    private final MetricsServer metricsServer;
    private final ControlServer control;
    private final ConcurrentMap<String, Object> taskLocks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r ->
    {
        final Thread t = new Thread(r, "starling-housekeeping");
        t.setDaemon(true);
        return t;
    });

    Daemon(final DataplaneContext ctx)
    {
        this.ctx = ctx;
        store = PieceStore.open(ctx);
        TransportProvider t = null;
        StorePieceSource s = null;
        PieceServer ps = null;
        SourceBackends b = null;
        MetricsServer ms = null;
        try
        {
            t = Transports.open("tcp", ctx.transport(), Math.max(1, Runtime.getRuntime().availableProcessors()));
            metrics.transportInUse(t.name());
            for (long i = 0; i < TcpTransport.fallbackCount(); i++)
            {
                metrics.onTransportFallback();
            }
            s = new StorePieceSource(store, metrics);
            ps = t.startServer(ctx.pieceListen(), s);
            b = new SourceBackends().register(new HttpSourceBackend(ctx, 2));
            ms = new MetricsServer(ctx.metricsListen(), metrics, () -> null);
            control = new ControlServer(ControlProtocol.socketPath(ctx.dataDir()), this::get);
        }
        catch (final RuntimeException ex)
        {
            closeAll(ms, b, ps, s, t);
            store.close();
            throw ex;
        }
        transport = t;
        source = s;
        pieceServer = ps;
        backends = b;
        metricsServer = ms;
        housekeeping.scheduleWithFixedDelay(this::countTasks, 0, 10, TimeUnit.SECONDS);
        LOG.warn("starling daemon: data dir {}, pieces on {} ({}), metrics on {}", ctx.dataDir(),
            pieceServer.localAddress(), transport.name(), ctx.metricsListen());
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
        final Object lock = taskLocks.computeIfAbsent(request.url() + '\n' + request.digest() + '\n' + request.tag() +
            '\n' + request.application(), k -> new Object());
        synchronized (lock)
        {
            return GetJob.run(ctx, store, backends, transport, metrics, request, listener);
        }
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
        closeAll(control, metricsServer, pieceServer, source, backends, transport);
        store.close();
    }
}
