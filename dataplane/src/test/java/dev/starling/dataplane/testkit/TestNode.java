package dev.starling.dataplane.testkit;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.download.DownloadRequest;
import dev.starling.dataplane.download.DownloadResult;
import dev.starling.dataplane.download.OriginDownloader;
import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.node.NodeServices;
import dev.starling.dataplane.source.SourceBackends;
import dev.starling.dataplane.source.http.HttpSourceBackend;
import dev.starling.dataplane.source.http.OriginTls;
import dev.starling.dataplane.store.PieceStore;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A node with a real store and the origin downloader, no scheduler: what a front end (registry mirror, hub proxy)
 * needs of a daemon, for its tests.
 */
public final class TestNode implements NodeServices, AutoCloseable
{
    private final DataplaneContext ctx;
    private final PieceStore store;
    private final SourceBackends backends;
    private final DataplaneMetrics metrics = new DataplaneMetrics();
    private final ExecutorService workers = Executors.newCachedThreadPool();

    /**
     * @param ctx concluded settings; the store opens on its data dir.
     */
    public TestNode(final DataplaneContext ctx)
    {
        this(ctx, OriginTls.jdkDefault());
    }

    /**
     * @param ctx concluded settings; the store opens on its data dir.
     * @param tls which certificates HTTPS origins must present.
     */
    public TestNode(final DataplaneContext ctx, final OriginTls tls)
    {
        this.ctx = ctx;
        this.store = PieceStore.open(ctx);
        this.backends = new SourceBackends().register(new HttpSourceBackend(ctx, 1, tls));
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
    public DataplaneMetrics metrics()
    {
        return metrics;
    }

    @Override
    public synchronized CompletableFuture<DownloadResult> fetch(
        final DownloadRequest request, final DownloadListener listener)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            synchronized (this)
            {
                return new OriginDownloader(ctx, store, backends).download(request, listener);
            }
        }, workers);
    }

    @Override
    public void close()
    {
        workers.shutdownNow();
        backends.close();
        store.close();
    }
}
