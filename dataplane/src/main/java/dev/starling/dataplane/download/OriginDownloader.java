package dev.starling.dataplane.download;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.scheduler.SchedulerClient;
import dev.starling.dataplane.scheduler.TaskSession;
import dev.starling.dataplane.source.SourceBackend;
import dev.starling.dataplane.source.SourceBackends;
import dev.starling.dataplane.source.SourceMetadata;
import dev.starling.dataplane.source.SourceRequest;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceDigest;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.transport.PeerConnection;
import dev.starling.dataplane.transport.TransportProvider;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Downloads a task from its origin into the {@link PieceStore} ("back to source").
 * <p>
 * The calling thread coordinates: it probes the origin, opens (or resumes) the task, keeps up to
 * {@code concurrency} ranged piece requests in flight through {@link PieceFetch} slots, commits each verified
 * piece to the index, retries transient failures with backoff, and hashes the finished prefix of the content
 * while the rest arrives, so that the whole-content digest is ready when the last piece lands. Origins without
 * range support are read in one stream and cut into pieces as the bytes arrive; content of unknown length is
 * staged and cut afterwards.
 */
public final class OriginDownloader
{
    private static final Logger LOG = LoggerFactory.getLogger(OriginDownloader.class);
    private static final long RETRY_BASE_DELAY_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long RETRY_MAX_DELAY_NS = TimeUnit.SECONDS.toNanos(2);
    private static final int HASH_CHUNK = 1 << 20;

    private final DataplaneContext ctx;
    private final PieceStore store;
    private final SourceBackends backends;
    private final TransportProvider transport;
    private final DataplaneMetrics metrics;
    private final SchedulerClient scheduler;
    private final ByteBuffer hashBuffer = ByteBuffer.allocateDirect(HASH_CHUNK);

    /**
     * A downloader that goes to the origin only.
     *
     * @param ctx      concluded context.
     * @param store    the store to download into; caller retains.
     * @param backends origin backends; caller retains.
     */
    public OriginDownloader(final DataplaneContext ctx, final PieceStore store, final SourceBackends backends)
    {
        this(ctx, store, backends, null, new DataplaneMetrics());
    }

    /**
     * @param ctx       concluded context.
     * @param store     the store to download into; caller retains.
     * @param backends  origin backends; caller retains.
     * @param transport how to reach peers named in requests, or null; caller retains.
     * @param metrics   counters for bytes and pieces by source; caller retains.
     */
    public OriginDownloader(
        final DataplaneContext ctx,
        final PieceStore store,
        final SourceBackends backends,
        final TransportProvider transport,
        final DataplaneMetrics metrics)
    {
        this(ctx, store, backends, transport, metrics, null);
    }

    /**
     * @param ctx       concluded context.
     * @param store     the store to download into; caller retains.
     * @param backends  origin backends; caller retains.
     * @param transport how to reach peers; caller retains.
     * @param metrics   counters for bytes and pieces by source; caller retains.
     * @param scheduler the node's scheduler client, or null: with one, downloads are steered by the scheduler
     *                  ({@link SwarmDownload}); caller retains.
     */
    public OriginDownloader(
        final DataplaneContext ctx,
        final PieceStore store,
        final SourceBackends backends,
        final TransportProvider transport,
        final DataplaneMetrics metrics,
        final SchedulerClient scheduler)
    {
        this.ctx = ctx;
        this.store = store;
        this.backends = backends;
        this.transport = transport;
        this.metrics = metrics;
        this.scheduler = scheduler;
    }

    /**
     * Downloads the task, or finds it complete in the store. Blocks the calling thread, which coordinates.
     *
     * @param request  what to download.
     * @param listener progress, called on this thread.
     * @return the complete task; the caller owns its handle.
     * @throws StarlingException with a stable code on every failure; the task keeps the pieces it finished.
     */
    public DownloadResult download(final DownloadRequest request, final DownloadListener listener)
    {
        final long startNs = System.nanoTime();
        final SourceBackend backend = backends.forUrl(request.source().url());
        if (scheduler != null && transport != null && request.fromPeer() == null)
        {
            final DownloadResult held = completeInStore(request, listener, startNs);
            if (held != null)
            {
                // Already here (a front end's second request for a file, a repeated get): nothing to ask the
                // scheduler, whose answer could take up to scheduler-timeout-ms for a task this node alone holds.
                return held;
            }
            final TaskSession session = scheduler.openSession(request.taskId(), request.source().url().toString());
            final DownloadResult result =
                new SwarmDownload(this, ctx, store, transport, metrics, session, backend, request, listener).run();
            if (result != null)
            {
                return result;
            }
        }
        final SourceMetadata meta = probe(backend, request.source());
        if (meta.contentLengthBytes() < 0)
        {
            return downloadUnknownLength(backend, request, meta, listener, startNs);
        }
        final PieceLayout layout = ctx.pieceLengthBytes() > 0 ?
            PieceLayout.of(meta.contentLengthBytes(), ctx.pieceLengthBytes()) :
            PieceLayout.forContent(meta.contentLengthBytes());
        final TaskHandle handle = store.openTask(request.taskId(), layout, meta.etag());
        boolean ok = false;
        try
        {
            final long reused = handle.finishedBytes();
            listener.onStart(layout.contentLengthBytes(), reused);
            final long[] bytes = new long[2];
            if (handle.isComplete())
            {
                verifyStored(handle, request.digestToVerify());
            }
            else
            {
                final SourceRequest source = request.source().expectingEtag(meta.etag());
                final ContentHasher hasher = new ContentHasher(handle, request.digestToVerify(), hashBuffer);
                final PeerConnection[] peers = connectPeer(request);
                try
                {
                    if (meta.rangesSupported() || peers != null)
                    {
                        fetchPieces(backend, source, handle, hasher, listener, peers, meta.rangesSupported(), bytes);
                    }
                    if (!meta.rangesSupported() && handle.finishedCount() < layout.pieceCount())
                    {
                        bytes[0] += fetchStream(backend, source, handle, hasher, listener);
                    }
                }
                finally
                {
                    if (peers != null)
                    {
                        for (final PeerConnection p : peers)
                        {
                            p.close();
                        }
                    }
                }
                finish(handle, hasher);
            }
            ok = true;
            return new DownloadResult(handle, bytes[0], bytes[1], reused, System.nanoTime() - startNs);
        }
        finally
        {
            handle.endDownload();
            if (!ok)
            {
                handle.close();
            }
        }
    }

    /**
     * @return the task when the store holds it complete (verified against the request's digest), else null.
     */
    private DownloadResult completeInStore(
        final DownloadRequest request, final DownloadListener listener, final long startNs)
    {
        final TaskHandle handle = store.openForServing(request.taskId());
        if (handle == null)
        {
            return null;
        }
        boolean ok = false;
        try
        {
            if (!handle.isComplete())
            {
                return null;
            }
            verifyStored(handle, request.digestToVerify());
            final long length = handle.layout().contentLengthBytes();
            listener.onStart(length, length);
            ok = true;
            return new DownloadResult(handle, 0, 0, length, System.nanoTime() - startNs);
        }
        finally
        {
            if (!ok)
            {
                handle.close();
            }
        }
    }

    SourceMetadata probe(final SourceBackend backend, final SourceRequest source)
    {
        final long timeoutMs = (ctx.connectTimeoutMs() + ctx.readTimeoutMs()) * (ctx.maxRedirects() + 2L);
        try
        {
            return backend.probe(source).get(timeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof StarlingException)
            {
                throw (StarlingException)ex.getCause();
            }
            throw new StarlingException(ErrorCode.INTERNAL, "probe failed: " + ex.getCause(), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new StarlingException(ErrorCode.ORIGIN_TRANSFER, "origin did not answer within " + timeoutMs + " ms");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new StarlingException(ErrorCode.CANCELLED, "interrupted while probing the origin");
        }
    }

    /**
     * Opens connections to the named peer: one per I/O thread the download can keep busy, so that hashing and
     * writing the received pieces runs on more than one core.
     *
     * @return the connections, or null without a peer or when it cannot be reached.
     */
    private PeerConnection[] connectPeer(final DownloadRequest request)
    {
        if (request.fromPeer() == null || transport == null)
        {
            return null;
        }
        final int count = Math.max(1, Math.min(ctx.peerConcurrency(), Runtime.getRuntime().availableProcessors()));
        final PeerConnection[] peers = new PeerConnection[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                peers[i] = transport.connect(request.fromPeer()).get(ctx.connectTimeoutMs(), TimeUnit.MILLISECONDS);
            }
            return peers;
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            for (final PeerConnection p : peers)
            {
                if (p != null)
                {
                    p.close();
                }
            }
            LOG.warn("cannot reach peer {} ({}); fetching from the origin", request.fromPeer(),
                ex.getCause() == null ? ex.toString() : ex.getCause().getMessage());
            metrics.onError(ErrorCode.PEER_FAILED.name());
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new StarlingException(ErrorCode.CANCELLED, "interrupted while connecting to a peer");
        }
    }

    /**
     * Fetches the missing pieces: from the peer first when there is one (each piece once), else or then from the
     * origin with ranged requests ({@code originRanges}); without ranges, pieces the peer could not give are left
     * for the stream fetch. {@code bytes[0]} accumulates origin bytes, {@code bytes[1]} peer bytes.
     */
    private void fetchPieces(
        final SourceBackend backend,
        final SourceRequest source,
        final TaskHandle handle,
        final ContentHasher hasher,
        final DownloadListener listener,
        final PeerConnection[] peers,
        final boolean originRanges,
        final long[] bytes)
    {
        final byte[] taskKey = handle.id().toBytes();
        final boolean[] peerTried = peers == null ? null : new boolean[handle.layout().pieceCount()];
        final PieceLayout layout = handle.layout();
        final int pieceCount = layout.pieceCount();
        final int wanted = peers != null ? ctx.peerConcurrency() : ctx.sourceConcurrency();
        final int slots = Math.max(1, Math.min(wanted, pieceCount - handle.finishedCount()));
        final ManyToOneConcurrentArrayQueue<PieceFetch> completions = new ManyToOneConcurrentArrayQueue<>(slots);
        final PieceFetch[] fetches = new PieceFetch[slots];
        final IdleStrategy idle = new BackoffIdleStrategy(64, 16, TimeUnit.MICROSECONDS.toNanos(1),
            TimeUnit.MILLISECONDS.toNanos(1));
        int nextPiece = 0;
        int inFlight = 0;
        long completed = handle.finishedBytes();
        StarlingException failure = null;
        for (int i = 0; i < slots; i++)
        {
            fetches[i] = new PieceFetch(handle, completions);
            fetches[i].peer = peers == null ? null : peers[i % peers.length];
        }
        hasher.advance();
        while (true)
        {
            if (Thread.currentThread().isInterrupted() && failure == null)
            {
                failure = new StarlingException(ErrorCode.CANCELLED, "download interrupted");
            }
            int work = 0;
            if (failure == null)
            {
                for (final PieceFetch f : fetches)
                {
                    if (f.pieceIndex >= 0 && f.retryAtNs != 0 && System.nanoTime() >= f.retryAtNs)
                    {
                        f.retryAtNs = 0;
                        if (start(backend, source, layout, f, f.pieceIndex, f.peer, peerTried, taskKey, originRanges))
                        {
                            inFlight++;
                        }
                        work++;
                    }
                    else if (f.pieceIndex < 0)
                    {
                        while (nextPiece < pieceCount && handle.isPieceFinished(nextPiece))
                        {
                            nextPiece++;
                        }
                        if (nextPiece < pieceCount)
                        {
                            if (start(backend, source, layout, f, nextPiece++, f.peer, peerTried, taskKey, originRanges))
                            {
                                inFlight++;
                            }
                            work++;
                        }
                    }
                }
            }
            PieceFetch f;
            while ((f = completions.poll()) != null)
            {
                work++;
                inFlight--;
                final StarlingException error = f.error();
                if (f.fromPeer)
                {
                    if (error == null)
                    {
                        bytes[1] += f.length();
                        metrics.onPeerBytes(f.length());
                        metrics.onPeerPiece();
                    }
                }
                else
                {
                    bytes[0] += f.receivedBytes();
                    metrics.onOriginBytes(f.receivedBytes());
                    if (error == null)
                    {
                        metrics.onOriginPiece();
                    }
                }
                if (error != null)
                {
                    metrics.onError(error.code().name());
                }
                if (error == null)
                {
                    handle.commitPiece(f.pieceIndex, f.pieceDigest(), 0);
                    completed += f.length();
                    listener.onProgress(completed);
                    f.clear();
                }
                else if (f.fromPeer && failure == null)
                {
                    // The peer could not give this piece: the origin is asked next, at once.
                    LOG.debug("piece {} from peer failed ({}); asking the origin", f.pieceIndex, error.describe());
                    f.retryAtNs = System.nanoTime();
                }
                else if (failure == null && error.code().retryable() && f.attempts < ctx.pieceAttempts())
                {
                    final long delay = Math.min(RETRY_MAX_DELAY_NS, RETRY_BASE_DELAY_NS << (f.attempts - 1));
                    LOG.info("piece {} attempt {} failed ({}); retrying in {} ms", f.pieceIndex, f.attempts,
                        error.describe(), TimeUnit.NANOSECONDS.toMillis(delay));
                    f.retryAtNs = System.nanoTime() + delay;
                }
                else
                {
                    if (failure == null)
                    {
                        failure = error;
                    }
                    f.clear();
                }
            }
            work += hasher.advance(1);
            if (inFlight == 0 && (failure != null || handle.finishedCount() == pieceCount ||
                (nextPiece >= pieceCount && idleSlots(fetches))))
            {
                break;
            }
            idle.idle(work);
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    private static boolean idleSlots(final PieceFetch[] fetches)
    {
        for (final PieceFetch f : fetches)
        {
            if (f.pieceIndex >= 0)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Starts a piece on a slot: from the peer when it has not been tried for this piece, else from the origin.
     *
     * @return true when a request went out; false when the piece is left for the stream fetch (no ranges).
     */
    private static boolean start(
        final SourceBackend backend,
        final SourceRequest source,
        final PieceLayout layout,
        final PieceFetch f,
        final int piece,
        final PeerConnection peer,
        final boolean[] peerTried,
        final byte[] taskKey,
        final boolean originRanges)
    {
        if (f.pieceIndex != piece)
        {
            f.attempts = 0;
        }
        if (peer != null && peer.isOpen() && !peerTried[piece])
        {
            peerTried[piece] = true;
            f.prepare(piece, layout.pieceOffset(piece), layout.pieceLength(piece), true);
            peer.requestPiece(taskKey, piece, f);
            return true;
        }
        if (!originRanges)
        {
            f.clear();
            return false;
        }
        f.prepare(piece, layout.pieceOffset(piece), layout.pieceLength(piece), false);
        backend.fetch(source, layout.pieceOffset(piece), layout.pieceLength(piece), f);
        return true;
    }

    private long fetchStream(
        final SourceBackend backend,
        final SourceRequest source,
        final TaskHandle handle,
        final ContentHasher hasher,
        final DownloadListener listener)
    {
        LOG.info("origin does not serve byte ranges for {}: fetching it in one stream", source.url().getHost());
        final PieceLayout layout = handle.layout();
        final boolean[] skip = new boolean[layout.pieceCount()];
        for (int i = 0; i < skip.length; i++)
        {
            skip[i] = handle.isPieceFinished(i);
        }
        final LinkedBlockingQueue<StreamSink.PieceDone> done = new LinkedBlockingQueue<>();
        backend.fetch(source, 0, -1, new StreamSink(handle.channel(), layout, skip, done, handle.pieceDigest()));
        long completed = handle.finishedBytes();
        while (true)
        {
            final StreamSink.PieceDone d = take(done);
            if (d.pieceIndex() < 0)
            {
                if (d.error() != null)
                {
                    throw d.error();
                }
                hasher.advance();
                return d.totalBytes();
            }
            handle.commitPiece(d.pieceIndex(), d.digest(), 0);
            completed += layout.pieceLength(d.pieceIndex());
            listener.onProgress(completed);
            hasher.advance();
        }
    }

    private DownloadResult downloadUnknownLength(
        final SourceBackend backend,
        final DownloadRequest request,
        final SourceMetadata meta,
        final DownloadListener listener,
        final long startNs)
    {
        LOG.info("origin does not announce the length of {}: staging it, then cutting pieces", request.source().url());
        listener.onStart(-1, 0);
        final Path staged = store.newStagingFile();
        final long total;
        try (FileChannel channel = FileChannel.open(staged, StandardOpenOption.WRITE))
        {
            final LinkedBlockingQueue<StreamSink.PieceDone> done = new LinkedBlockingQueue<>();
            backend.fetch(request.source().expectingEtag(meta.etag()), 0, -1, new StreamSink(channel, null, null, done, ctx.pieceDigest(request.taskId())));
            final StreamSink.PieceDone end = take(done);
            if (end.error() != null)
            {
                throw end.error();
            }
            total = end.totalBytes();
            listener.onProgress(total);
        }
        catch (final IOException ex)
        {
            throw PieceStore.ioError("write staging file " + staged, ex);
        }
        catch (final RuntimeException ex)
        {
            deleteQuietly(staged);
            throw ex;
        }
        final PieceLayout layout = ctx.pieceLengthBytes() > 0 ? PieceLayout.of(total, ctx.pieceLengthBytes()) :
            PieceLayout.forContent(total);
        final TaskHandle handle = store.adoptStaged(request.taskId(), staged, layout, meta.etag());
        boolean ok = false;
        try
        {
            final PieceDigest.Hasher piece = handle.pieceDigest().newHasher();
            final byte[] digest = new byte[Digest.SHA256_LENGTH_BYTES];
            final ContentHasher hasher = new ContentHasher(handle, request.digestToVerify(), hashBuffer);
            for (int i = 0; i < layout.pieceCount(); i++)
            {
                piece.reset();
                readInto(handle, layout.pieceOffset(i), layout.pieceLength(i), piece::update);
                piece.finish(digest, 0);
                handle.commitPiece(i, digest, 0);
                hasher.advance();
            }
            finish(handle, hasher);
            ok = true;
            return new DownloadResult(handle, total, 0, 0, System.nanoTime() - startNs);
        }
        finally
        {
            handle.endDownload();
            if (!ok)
            {
                handle.close();
            }
        }
    }

    void finish(final TaskHandle handle, final ContentHasher hasher)
    {
        hasher.advance();
        final Digest digest = hasher.finish();
        handle.complete(digest);
    }

    void verifyStored(final TaskHandle handle, final Digest expected)
    {
        if (expected == null)
        {
            return;
        }
        Digest stored = handle.contentDigest();
        if (stored == null)
        {
            final ContentHasher hasher = new ContentHasher(handle, expected, hashBuffer);
            hasher.advance();
            stored = hasher.finish();
            handle.complete(stored);
        }
        else if (!stored.equals(expected))
        {
            throw new StarlingException(ErrorCode.DIGEST_MISMATCH, "stored content of task " + handle.id() +
                " has digest " + stored + ", not the expected " + expected);
        }
    }

    private static StreamSink.PieceDone take(final LinkedBlockingQueue<StreamSink.PieceDone> done)
    {
        try
        {
            return done.take();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new StarlingException(ErrorCode.CANCELLED, "download interrupted");
        }
    }

    private void readInto(final TaskHandle handle, final long offset, final long length,
        final java.util.function.Consumer<ByteBuffer> digest)
    {
        ContentHasher.read(handle, offset, length, hashBuffer, digest);
    }

    private static void deleteQuietly(final Path p)
    {
        try
        {
            Files.deleteIfExists(p);
        }
        catch (final IOException ignore)
        {
            // the original failure is the one to report
        }
    }
}
