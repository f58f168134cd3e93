package dev.starling.dataplane.download;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.scheduler.TaskSession;
import dev.starling.dataplane.scheduler.codec.BackToSourceDecoder;
import dev.starling.dataplane.scheduler.codec.DigestAlgorithm;
import dev.starling.dataplane.scheduler.codec.FailureReason;
import dev.starling.dataplane.scheduler.codec.HostType;
import dev.starling.dataplane.scheduler.codec.MessageHeaderDecoder;
import dev.starling.dataplane.scheduler.codec.ParentGoneDecoder;
import dev.starling.dataplane.scheduler.codec.ParentsDecoder;
import dev.starling.dataplane.scheduler.codec.PeerPiecesDecoder;
import dev.starling.dataplane.scheduler.codec.PieceDigestsDecoder;
import dev.starling.dataplane.scheduler.codec.PiecesAvailableDecoder;
import dev.starling.dataplane.scheduler.codec.SourceReason;
import dev.starling.dataplane.scheduler.codec.TaskUnknownDecoder;
import dev.starling.dataplane.source.SourceBackend;
import dev.starling.dataplane.source.SourceMetadata;
import dev.starling.dataplane.source.SourceRequest;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.PieceDigest;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.transport.PeerConnection;
import dev.starling.dataplane.transport.PieceStatus;
import dev.starling.dataplane.transport.TransportProvider;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One download steered by the scheduler: pieces come from several parents at once and, only when the scheduler
 * says so (this node is the seed, or the seed failed) or when the swarm stalls, from the origin.
 * <p>
 * The calling thread coordinates, as in {@link OriginDownloader}: it reads the scheduler's messages from its
 * {@link TaskSession}, keeps {@code --peer-concurrency} piece requests in flight through reusable
 * {@link PieceFetch} slots, checks every piece from a parent against the digest the scheduler vouches for
 * before committing it, reports each piece (so it is served on at once), and excludes a parent that serves wrong
 * bytes or whose connection fails. Piece choice keeps the front of the file flowing (the first missing pieces
 * first, for a streaming reader) and otherwise takes the piece the fewest parents hold.
 */
final class SwarmDownload implements MessageHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(SwarmDownload.class);
    /**
     * Requests in flight to one parent that holds the whole task (a seed, a finished peer): few, so that a child
     * takes the seed's pieces a couple at a time and the rest from fellow downloaders, and the seed's uplink goes to
     * pieces nobody else has yet instead of the same pieces for every child.
     */
    private static final int WHOLE_PARENT_LIMIT = 2;
    /** In-order pieces ahead of rarity for a streaming reader; a plain download takes none. */
    private static final int STREAMING_FRONT_WINDOW = 2;
    private static final int PARENT_FAILURES_BEFORE_EXCLUSION = 3;
    private static final long BUSY_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long RETRY_BASE_DELAY_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long RETRY_MAX_DELAY_NS = TimeUnit.SECONDS.toNanos(2);
    private static final long CONNECT_GRACE_NS = TimeUnit.SECONDS.toNanos(2);

    private final OriginDownloader downloader;
    private final DataplaneContext ctx;
    private final PieceStore store;
    private final TransportProvider transport;
    private final DataplaneMetrics metrics;
    private final TaskSession session;
    private final DownloadRequest request;
    private final DownloadListener listener;
    private final SourceBackend backend;

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final ParentsDecoder parentsDecoder = new ParentsDecoder();
    private final PeerPiecesDecoder peerPiecesDecoder = new PeerPiecesDecoder();
    private final PiecesAvailableDecoder availableDecoder = new PiecesAvailableDecoder();
    private final PieceDigestsDecoder digestsDecoder = new PieceDigestsDecoder();
    private final BackToSourceDecoder backToSourceDecoder = new BackToSourceDecoder();
    private final ParentGoneDecoder parentGoneDecoder = new ParentGoneDecoder();
    private final List<byte[]> early = new ArrayList<>();
    private final Long2ObjectHashMap<Parent> parents = new Long2ObjectHashMap<>();
    private final ArrayList<Parent> ranked = new ArrayList<>();
    private final byte[] scratchDigest = new byte[32];
    private final byte[] taskKey;

    private boolean toldBackToSource;
    private SourceReason backToSourceReason;
    private PieceLayout layout;
    private String etag;
    private DigestAlgorithm swarmDigest;
    private TaskHandle handle;
    private SourceRequest source;
    private boolean originAllowed;
    private int originCursor;
    private byte[] trusted;
    private PieceSelector selector;
    private java.util.function.IntPredicate finishedPieces;
    private final PieceSelector.Parents parentFinder = this::parentFor;
    private long selectionNowNs;
    private int[] holders;
    private int perParentLimit;
    private long lastProgressNs;
    private long originBytes;
    private long peerBytes;

    SwarmDownload(
        final OriginDownloader downloader,
        final DataplaneContext ctx,
        final PieceStore store,
        final TransportProvider transport,
        final DataplaneMetrics metrics,
        final TaskSession session,
        final SourceBackend backend,
        final DownloadRequest request,
        final DownloadListener listener)
    {
        this.downloader = downloader;
        this.ctx = ctx;
        this.store = store;
        this.transport = transport;
        this.metrics = metrics;
        this.session = session;
        this.backend = backend;
        this.request = request;
        this.listener = listener;
        this.taskKey = request.taskId().toBytes();
    }

    /**
     * Runs the download on the calling thread.
     *
     * @return the result, or null when the origin cannot be fetched in pieces (no length or no ranges) and the
     * caller should download it plainly; the session is then closed.
     */
    DownloadResult run()
    {
        final long startNs = System.nanoTime();
        awaitScheduler(startNs);
        if (layout == null)
        {
            final SourceMetadata meta;
            try
            {
                meta = downloader.probe(backend, request.source());
            }
            catch (final StarlingException ex)
            {
                // A seed that cannot read the origin (no credentials: tokens never leave the node that has them)
                // must say so at once, so that the scheduler sends the waiting peers to the origin themselves.
                giveUp(ex.code().exitCode());
                throw ex;
            }
            if (meta.contentLengthBytes() < 0 || !meta.rangesSupported())
            {
                // No pieces to share: this node fetches it alone, and the others must not wait for it.
                giveUp(ErrorCode.ORIGIN_ERROR.exitCode());
                return null;
            }
            layout = ctx.pieceLengthBytes() > 0 ? PieceLayout.of(meta.contentLengthBytes(), ctx.pieceLengthBytes()) :
                PieceLayout.forContent(meta.contentLengthBytes());
            etag = meta.etag();
        }
        source = request.source().expectingEtag(etag);
        try
        {
            handle = store.openTask(request.taskId(), layout, etag);
        }
        catch (final StarlingException ex)
        {
            giveUp(ex.code().exitCode());
            throw ex;
        }
        boolean ok = false;
        try
        {
            final long reused = handle.finishedBytes();
            prepareState();
            session.registerTask(layout, handle.pieceDigest(), etag);
            announceHeld();
            for (final byte[] message : early)
            {
                onMessage(0, new UnsafeBuffer(message), 0, message.length);
            }
            early.clear();
            listener.onStart(layout.contentLengthBytes(), reused);
            final ContentHasher hasher = new ContentHasher(handle, request.digestToVerify(),
                ByteBuffer.allocateDirect(1 << 20));
            if (!handle.isComplete())
            {
                fetch(hasher);
                downloader.finish(handle, hasher);
            }
            else
            {
                downloader.verifyStored(handle, request.digestToVerify());
            }
            session.onDownloadComplete(handle);
            ok = true;
            return new DownloadResult(handle, originBytes, peerBytes, reused, System.nanoTime() - startNs);
        }
        catch (final StarlingException ex)
        {
            if (originAllowed)
            {
                session.taskFailed(ex.code().exitCode());
            }
            throw ex;
        }
        finally
        {
            for (final Parent p : ranked)
            {
                p.close();
            }
            handle.endDownload();
            if (!ok)
            {
                session.close();
                handle.close();
            }
        }
    }

    private void giveUp(final int exitCode)
    {
        if (originAllowed)
        {
            session.taskFailed(exitCode);
        }
        session.close();
    }

    /**
     * Registers the task and waits for the scheduler's first word: candidate parents, or "go to the origin".
     * Without an answer (the scheduler is unreachable or silent) the download goes to the origin, counted.
     */
    private void awaitScheduler(final long startNs)
    {
        if (session.sourceGranted())
        {
            toldBackToSource = true;
            backToSourceReason = SourceReason.SEED_ASSIGNED;
            originAllowed = true;
            return;
        }
        session.registerTask(null, ctx.pieceDigest(request.taskId()), null);
        final IdleStrategy idle = idleStrategy();
        final long deadlineNs = startNs + TimeUnit.MILLISECONDS.toNanos(ctx.schedulerTimeoutMs());
        long lastRegisterNs = startNs;
        while (layout == null && !toldBackToSource)
        {
            checkInterrupted();
            final int work = session.poll(this, 64);
            final long now = System.nanoTime();
            if (work == 0 && now - lastRegisterNs > TimeUnit.SECONDS.toNanos(1))
            {
                // The first registration may have gone out before the scheduler connected.
                lastRegisterNs = now;
                session.registerTask(null, ctx.pieceDigest(request.taskId()), null);
            }
            if (now > deadlineNs || (!session.schedulerConnected() && now - startNs > CONNECT_GRACE_NS))
            {
                LOG.warn("scheduler {} for task {}: fetching it from the origin",
                    session.schedulerConnected() ? "did not answer within " + ctx.schedulerTimeoutMs() + " ms" :
                    "is unreachable", request.taskId());
                metrics.onSchedulerFallback();
                toldBackToSource = true;
                backToSourceReason = SourceReason.NO_PARENTS;
                break;
            }
            idle.idle(work);
        }
        originAllowed = toldBackToSource;
    }

    private void prepareState()
    {
        final int pieceCount = layout.pieceCount();
        trusted = new byte[pieceCount * 32];
        selector = new PieceSelector(pieceCount, request.streaming() ? STREAMING_FRONT_WINDOW : 0,
            session.selfPeerId());
        finishedPieces = handle::isPieceFinished;
        holders = selector.holders();
        updatePerParentLimit();
        lastProgressNs = System.nanoTime();
        originCursor = backToSourceReason == SourceReason.SEED_FAILED ?
            (int)Math.floorMod(session.selfPeerId(), (long)pieceCount) : 0;
        if (swarmDigest != null && (swarmDigest == DigestAlgorithm.CRC32C) != (handle.pieceDigest() == PieceDigest.CRC32C))
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "task " + request.taskId() + " uses " +
                swarmDigest + " piece digests in the swarm but " + handle.pieceDigest() + " in this store: set the " +
                "same --piece-digest on every node");
        }
    }

    /** Tells the scheduler about pieces this node already holds (a resumed download). */
    private void announceHeld()
    {
        for (int i = 0; i < layout.pieceCount(); i++)
        {
            if (handle.readFinishedPiece(i, scratchDigest))
            {
                session.pieceFinished(i, -1, 0, scratchDigest, 0);
            }
        }
    }

    private void fetch(final ContentHasher hasher)
    {
        final int pieceCount = layout.pieceCount();
        final int slots = Math.max(1, Math.max(ctx.peerConcurrency(), ctx.sourceConcurrency()));
        final ManyToOneConcurrentArrayQueue<PieceFetch> completions = new ManyToOneConcurrentArrayQueue<>(slots);
        final PieceFetch[] fetches = new PieceFetch[slots];
        for (int i = 0; i < slots; i++)
        {
            fetches[i] = new PieceFetch(handle, completions);
        }
        final IdleStrategy idle = idleStrategy();
        final long stallNs = TimeUnit.MILLISECONDS.toNanos(ctx.swarmStallTimeoutMs());
        final long[] parentOut = new long[1];
        int inFlight = 0;
        int originInFlight = 0;
        StarlingException failure = null;
        long completed = handle.finishedBytes();
        hasher.advance();
        while (true)
        {
            if (Thread.currentThread().isInterrupted() && failure == null)
            {
                failure = new StarlingException(ErrorCode.CANCELLED, "download interrupted");
            }
            int work = session.poll(this, 256);
            if (session.takeOverflow())
            {
                reRegister();
            }
            final long now = System.nanoTime();
            work += connectParents();
            if (failure == null)
            {
                for (final PieceFetch f : fetches)
                {
                    if (f.pieceIndex >= 0)
                    {
                        if (f.retryAtNs != 0 && now >= f.retryAtNs)
                        {
                            f.retryAtNs = 0;
                            startOrigin(f, f.pieceIndex);
                            inFlight++;
                            originInFlight++;
                            work++;
                        }
                        continue;
                    }
                    final int piece = choosePeerPiece(now, parentOut);
                    if (piece >= 0)
                    {
                        startPeer(f, piece, parents.get(parentOut[0]));
                        inFlight++;
                        work++;
                        continue;
                    }
                    if (originAllowed && originInFlight < ctx.sourceConcurrency())
                    {
                        final int originPiece = chooseOriginPiece(now);
                        if (originPiece >= 0)
                        {
                            f.attempts = 0;
                            startOrigin(f, originPiece);
                            inFlight++;
                            originInFlight++;
                            work++;
                            continue;
                        }
                    }
                    break;
                }
            }
            PieceFetch f;
            while ((f = completions.poll()) != null)
            {
                work++;
                inFlight--;
                if (!f.fromPeer)
                {
                    originInFlight--;
                }
                final boolean committed = f.fromPeer ? onPeerPiece(f) : onOriginPiece(f, failure == null);
                if (committed)
                {
                    completed += f.length();
                    listener.onProgress(completed);
                    lastProgressNs = now;
                }
                if (f.fromPeer || committed)
                {
                    unmark(f.pieceIndex);
                    f.clear();
                }
                else if (f.retryAtNs == 0)
                {
                    if (failure == null)
                    {
                        failure = f.error();
                    }
                    unmark(f.pieceIndex);
                    f.clear();
                }
            }
            work += hasher.advance(1);
            if (handle.finishedCount() == pieceCount && inFlight == 0)
            {
                break;
            }
            if (failure != null && inFlight == 0)
            {
                throw failure;
            }
            if (!originAllowed && inFlight == 0 && now - lastProgressNs > stallNs)
            {
                LOG.warn("no parent gave task {} a piece for {} ms{}: fetching the rest from the origin",
                    request.taskId(), ctx.swarmStallTimeoutMs(), session.schedulerConnected() ? "" :
                    " and the scheduler is unreachable");
                metrics.onSchedulerFallback();
                originAllowed = true;
            }
            idle.idle(work);
        }
    }

    private boolean onPeerPiece(final PieceFetch f)
    {
        final Parent parent = parents.get(f.parentPeerId);
        if (parent != null)
        {
            parent.inFlight--;
        }
        final StarlingException error = f.error();
        if (error == null)
        {
            handle.commitPiece(f.pieceIndex, f.pieceDigest(), 0);
            session.pieceFinished(f.pieceIndex, f.parentPeerId, System.nanoTime() - f.startNs, f.pieceDigest(), 0);
            peerBytes += f.length();
            metrics.onPeerBytes(f.length());
            metrics.onPeerPiece();
            return true;
        }
        final PieceStatus status = f.peerStatus();
        if (parent != null && !f.digestMismatch() && status == PieceStatus.BUSY)
        {
            // Flow control, not a failure: the parent is at its limit, or a seed super-seeding another piece first.
            metrics.onPeerRefusal(true);
            parent.busyUntilNs = System.nanoTime() + BUSY_BACKOFF_NS;
            return false;
        }
        if (parent != null && !f.digestMismatch() &&
            (status == PieceStatus.NOT_YET_AVAILABLE || status == PieceStatus.NOT_FOUND))
        {
            metrics.onPeerRefusal(false);
            parent.forget(f.pieceIndex, holders);
            session.pieceFailed(f.pieceIndex, parent.peerId, FailureReason.NOT_AVAILABLE);
            return false;
        }
        metrics.onError(error.code().name());
        if (parent == null)
        {
            return false;
        }
        if (f.digestMismatch())
        {
            LOG.warn("piece {} of task {} from parent {} fails its digest: excluding that parent",
                f.pieceIndex, request.taskId(), parent.address);
            session.pieceFailed(f.pieceIndex, parent.peerId, FailureReason.DIGEST_MISMATCH);
            exclude(parent);
            metrics.onParentExcluded(true);
            return false;
        }
        final boolean dead = parent.connection == null || !parent.connection.isOpen();
        session.pieceFailed(f.pieceIndex, parent.peerId, dead ? FailureReason.CONNECTION : FailureReason.OTHER);
        if (dead || ++parent.failures >= PARENT_FAILURES_BEFORE_EXCLUSION)
        {
            LOG.info("parent {} of task {} failed ({}): asking other parents", parent.address, request.taskId(),
                error.getMessage());
            exclude(parent);
            metrics.onParentExcluded(false);
        }
        return false;
    }

    private boolean onOriginPiece(final PieceFetch f, final boolean mayRetry)
    {
        originBytes += f.receivedBytes();
        metrics.onOriginBytes(f.receivedBytes());
        final StarlingException error = f.error();
        if (error == null)
        {
            metrics.onOriginPiece();
            handle.commitPiece(f.pieceIndex, f.pieceDigest(), 0);
            session.pieceFinished(f.pieceIndex, 0, System.nanoTime() - f.startNs, f.pieceDigest(), 0);
            return true;
        }
        metrics.onError(error.code().name());
        if (mayRetry && error.code().retryable() && f.attempts < ctx.pieceAttempts())
        {
            final long delay = Math.min(RETRY_MAX_DELAY_NS, RETRY_BASE_DELAY_NS << (f.attempts - 1));
            LOG.info("piece {} attempt {} failed ({}); retrying in {} ms", f.pieceIndex, f.attempts,
                error.describe(), TimeUnit.NANOSECONDS.toMillis(delay));
            f.retryAtNs = System.nanoTime() + delay;
            return false;
        }
        f.retryAtNs = 0;
        return false;
    }

    private void startPeer(final PieceFetch f, final int piece, final Parent parent)
    {
        mark(piece);
        parent.inFlight++;
        f.prepare(piece, layout.pieceOffset(piece), layout.pieceLength(piece), true);
        f.parentPeerId = parent.peerId;
        f.trust(trusted, piece * 32);
        parent.connection.requestPiece(taskKey, piece, f);
    }

    private void startOrigin(final PieceFetch f, final int piece)
    {
        mark(piece);
        f.prepare(piece, layout.pieceOffset(piece), layout.pieceLength(piece), false);
        backend.fetch(source, layout.pieceOffset(piece), layout.pieceLength(piece), f);
    }

    /**
     * @return a piece a usable parent can give now (its id in {@code parentOut[0]}), or -1.
     */
    private int choosePeerPiece(final long nowNs, final long[] parentOut)
    {
        selectionNowNs = nowNs;
        return selector.next(finishedPieces, parentFinder, parentOut);
    }

    private long parentFor(final int piece)
    {
        final Parent parent = bestParentFor(piece, selectionNowNs);
        return parent == null ? 0 : parent.peerId;
    }

    private Parent bestParentFor(final int piece, final long nowNs)
    {
        return bestParent(ranked, piece, layout.pieceCount(), perParentLimit, nowNs);
    }

    /**
     * The parent to ask for a piece: among the usable ones with a free slot that hold it, a fellow downloader before
     * a finished peer, then the least busy; a seed only for a piece no other live parent holds, even a busy one: such
     * a piece waits for its holder (this child asks for other pieces meanwhile), so that the seed's uplink, which is
     * the origin's, carries each piece once also after super-seeding has let every piece out once.
     *
     * @param ranked         the parents, best first.
     * @param piece          the piece.
     * @param pieceCount     pieces of the task.
     * @param perParentLimit requests in flight to one fellow downloader.
     * @param nowNs          {@link System#nanoTime()} now.
     * @return the parent, or null when none can give the piece now.
     */
    static Parent bestParent(
        final List<Parent> ranked, final int piece, final int pieceCount, final int perParentLimit, final long nowNs)
    {
        Parent best = null;
        Parent bestSeed = null;
        boolean heldByOthers = false;
        for (int i = 0, n = ranked.size(); i < n; i++)
        {
            final Parent p = ranked.get(i);
            if (p.excluded || !p.has(piece))
            {
                continue;
            }
            heldByOthers |= !p.seed && p.alive();
            final boolean whole = p.held == pieceCount;
            if (!p.usable(nowNs) || p.inFlight >= (whole ? WHOLE_PARENT_LIMIT : perParentLimit))
            {
                continue;
            }
            if (p.seed)
            {
                bestSeed = bestSeed == null || p.inFlight < bestSeed.inFlight ? p : bestSeed;
            }
            else if (best == null || (whole != (best.held == pieceCount) ? !whole : p.inFlight < best.inFlight))
            {
                best = p;
            }
        }
        return best != null || heldByOthers ? best : bestSeed;
    }

    /**
     * @return the next piece to take from the origin: one no usable parent holds, or -1.
     */
    private int chooseOriginPiece(final long nowNs)
    {
        final int pieceCount = layout.pieceCount();
        for (int i = 0; i < pieceCount; i++)
        {
            final int p = (originCursor + i) % pieceCount;
            if (handle.isPieceFinished(p) || isMarked(p))
            {
                continue;
            }
            if (holders[p] > 0 && isTrusted(p) && anyUsableHolder(p, nowNs))
            {
                continue;
            }
            return p;
        }
        return -1;
    }

    private boolean anyUsableHolder(final int piece, final long nowNs)
    {
        for (int i = 0, n = ranked.size(); i < n; i++)
        {
            final Parent p = ranked.get(i);
            if (p.usable(nowNs) && p.has(piece))
            {
                return true;
            }
        }
        return false;
    }

    private int connectParents()
    {
        int work = 0;
        for (int i = 0, n = ranked.size(); i < n; i++)
        {
            final Parent p = ranked.get(i);
            if (p.connecting != null && p.connecting.isDone())
            {
                work++;
                try
                {
                    p.connection = p.connecting.getNow(null);
                }
                catch (final RuntimeException ex)
                {
                    LOG.info("cannot reach parent {} for task {} ({}): leaving it out", p.address, request.taskId(),
                        ex.getCause() == null ? ex.toString() : ex.getCause().getMessage());
                    session.pieceFailed(-1, p.peerId, FailureReason.CONNECTION);
                    exclude(p);
                    metrics.onParentExcluded(false);
                }
                p.connecting = null;
            }
        }
        return work;
    }

    private void exclude(final Parent parent)
    {
        if (!parent.excluded)
        {
            parent.excluded = true;
            parent.forgetAll(holders);
            parent.close();
            updatePerParentLimit();
        }
    }

    private void reRegister()
    {
        session.registerTask(layout, handle.pieceDigest(), etag);
        announceHeld();
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        header.wrap(buffer, index);
        final int templateId = header.templateId();
        if (trusted == null && templateId != ParentsDecoder.TEMPLATE_ID && templateId != BackToSourceDecoder.TEMPLATE_ID)
        {
            // Digests and piece maps may come before the task is open (even in the same poll as the layout):
            // keep them until it is.
            final byte[] copy = new byte[length];
            buffer.getBytes(index, copy);
            early.add(copy);
            return;
        }
        switch (templateId)
        {
            case ParentsDecoder.TEMPLATE_ID:
                onParents(buffer, index);
                break;
            case PeerPiecesDecoder.TEMPLATE_ID:
                onPeerPieces(buffer, index);
                break;
            case PiecesAvailableDecoder.TEMPLATE_ID:
                onPiecesAvailable(buffer, index);
                break;
            case PieceDigestsDecoder.TEMPLATE_ID:
                onPieceDigests(buffer, index);
                break;
            case BackToSourceDecoder.TEMPLATE_ID:
                backToSourceDecoder.wrapAndApplyHeader(buffer, index, header);
                backToSourceReason = backToSourceDecoder.reason();
                toldBackToSource = true;
                if (layout != null && handle != null && !originAllowed)
                {
                    LOG.info("scheduler sends task {} back to source ({})", request.taskId(), backToSourceReason);
                    originAllowed = true;
                    if (backToSourceReason == SourceReason.SEED_FAILED)
                    {
                        originCursor = (int)Math.floorMod(session.selfPeerId(), (long)layout.pieceCount());
                    }
                }
                break;
            case TaskUnknownDecoder.TEMPLATE_ID:
                if (handle != null)
                {
                    reRegister();
                }
                else
                {
                    session.registerTask(null, ctx.pieceDigest(request.taskId()), null);
                }
                break;
            case ParentGoneDecoder.TEMPLATE_ID:
                parentGoneDecoder.wrapAndApplyHeader(buffer, index, header);
                final Parent gone = parents.get(parentGoneDecoder.peerId());
                if (gone != null)
                {
                    exclude(gone);
                }
                break;
            default:
                break;
        }
    }

    private void onParents(final DirectBuffer buffer, final int index)
    {
        parentsDecoder.wrapAndApplyHeader(buffer, index, header);
        if (layout == null)
        {
            layout = PieceLayout.of(parentsDecoder.contentLength(), parentsDecoder.pieceLength());
            swarmDigest = parentsDecoder.digestAlgorithm();
        }
        final ParentsDecoder.CandidatesDecoder candidates = parentsDecoder.candidates();
        int rank = 0;
        while (candidates.hasNext())
        {
            candidates.next();
            final long peerId = candidates.peerId();
            final int port = candidates.piecePort();
            final boolean seed = candidates.hostType() == HostType.SEED;
            final boolean remoteReads = candidates.rdma() == 1; // absent (version 1): no
            final String address = candidates.address();
            if (peerId == session.selfPeerId())
            {
                continue;
            }
            Parent p = parents.get(peerId);
            if (p == null)
            {
                p = new Parent(peerId, new InetSocketAddress(address, port), layout.pieceCount());
                parents.put(peerId, p);
                ranked.add(p);
                p.connecting = transport.connect(p.address, remoteReads);
            }
            p.rank = rank++;
            p.seed = seed;
        }
        final String tag = parentsDecoder.etag();
        if (etag == null)
        {
            etag = tag.isEmpty() ? null : tag;
        }
        ranked.sort((a, b) -> Integer.compare(a.rank, b.rank));
        updatePerParentLimit();
    }

    private void updatePerParentLimit()
    {
        int fellows = 0;
        for (int i = 0, n = ranked.size(); i < n; i++)
        {
            final Parent p = ranked.get(i);
            fellows += p.excluded || p.seed ? 0 : 1;
        }
        perParentLimit = perParentLimit(ctx.peerConcurrency(), fellows);
    }

    /**
     * Requests in flight to one fellow downloader: the download's slots spread over its fellow parents, at least 2
     * and at most half the slots. Rarest first sends every child to the few holders of the newest pieces; with a
     * high per-parent limit a child could put all its slots there, queue behind the other children on those
     * parents' saturated uplinks, and leave parents that hold the rest idle (measured in bench/run: one node
     * received 8-12 MB/s for 6 s while another's uplink carried 2-4 of its 25 MB/s). With the slots spread, a child
     * asks every fellow for something.
     *
     * @param peerConcurrency the download's request slots for peers.
     * @param fellows         parents that are neither excluded nor a seed.
     * @return the limit.
     */
    static int perParentLimit(final int peerConcurrency, final int fellows)
    {
        final int spread = (peerConcurrency + Math.max(1, fellows) - 1) / Math.max(1, fellows);
        return Math.max(2, Math.min(peerConcurrency / 2, spread));
    }

    private void onPeerPieces(final DirectBuffer buffer, final int index)
    {
        peerPiecesDecoder.wrapAndApplyHeader(buffer, index, header);
        final Parent p = parents.get(peerPiecesDecoder.peerId());
        final int length = peerPiecesDecoder.bitmapLength();
        if (p == null || p.excluded)
        {
            peerPiecesDecoder.skipBitmap();
            return;
        }
        final int bitmapOffset = peerPiecesDecoder.limit() + 4;
        final int pieceCount = layout.pieceCount();
        for (int piece = 0; piece < pieceCount && (piece >>> 3) < length; piece++)
        {
            if ((buffer.getByte(bitmapOffset + (piece >>> 3)) & (1 << (piece & 7))) != 0)
            {
                p.learn(piece, holders);
            }
        }
        peerPiecesDecoder.skipBitmap();
    }

    private void onPiecesAvailable(final DirectBuffer buffer, final int index)
    {
        availableDecoder.wrapAndApplyHeader(buffer, index, header);
        final PiecesAvailableDecoder.PiecesDecoder pieces = availableDecoder.pieces();
        final int pieceCount = layout.pieceCount();
        while (pieces.hasNext())
        {
            pieces.next();
            final int piece = pieces.pieceIndex();
            if (piece < 0 || piece >= pieceCount)
            {
                continue;
            }
            if (!isTrusted(piece))
            {
                pieces.getDigest(trusted, piece * 32, 32);
                selector.trust(piece);
            }
            final Parent p = parents.get(pieces.peerId());
            if (p != null && !p.excluded)
            {
                p.learn(piece, holders);
            }
            lastProgressNs = System.nanoTime();
        }
    }

    private void onPieceDigests(final DirectBuffer buffer, final int index)
    {
        digestsDecoder.wrapAndApplyHeader(buffer, index, header);
        final int first = digestsDecoder.firstPiece();
        final int length = digestsDecoder.digestsLength();
        final int dataOffset = digestsDecoder.limit() + 4;
        final int count = length / 32;
        for (int i = 0; i < count; i++)
        {
            final int piece = first + i;
            if (piece >= 0 && piece < layout.pieceCount() && !isTrusted(piece))
            {
                buffer.getBytes(dataOffset + i * 32, trusted, piece * 32, 32);
                selector.trust(piece);
            }
        }
        digestsDecoder.skipDigests();
    }

    private boolean isTrusted(final int piece)
    {
        return selector.isTrusted(piece);
    }

    private void mark(final int piece)
    {
        selector.markRequested(piece);
    }

    private void unmark(final int piece)
    {
        selector.clearRequested(piece);
    }

    private boolean isMarked(final int piece)
    {
        return selector.isRequested(piece);
    }

    private static IdleStrategy idleStrategy()
    {
        return new BackoffIdleStrategy(64, 16, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
    }

    private static void checkInterrupted()
    {
        if (Thread.currentThread().isInterrupted())
        {
            throw new StarlingException(ErrorCode.CANCELLED, "download interrupted");
        }
    }

    /** A candidate parent as this download sees it: where it is, which pieces it holds, how it behaved. */
    static final class Parent
    {
        final long peerId;
        final InetSocketAddress address;
        final long[] pieces;
        /** The scheduler named it a seed: it fetches from the origin, so its uplink is the origin's. */
        boolean seed;
        CompletableFuture<PeerConnection> connecting;
        PeerConnection connection;
        int rank;
        int inFlight;
        int failures;
        long busyUntilNs;
        boolean excluded;
        /** Pieces this parent holds, as far as this download knows. */
        int held;

        Parent(final long peerId, final InetSocketAddress address, final int pieceCount)
        {
            this.peerId = peerId;
            this.address = address;
            this.pieces = new long[(pieceCount + 63) >>> 6];
        }

        /**
         * @return whether it is connected or still connecting: a parent that may still give pieces.
         */
        boolean alive()
        {
            return connection != null ? connection.isOpen() : connecting != null;
        }

        boolean usable(final long nowNs)
        {
            return !excluded && connection != null && connection.isOpen() && nowNs >= busyUntilNs;
        }

        boolean has(final int piece)
        {
            return (pieces[piece >>> 6] & (1L << piece)) != 0;
        }

        void learn(final int piece, final int[] holders)
        {
            if (!has(piece))
            {
                pieces[piece >>> 6] |= 1L << piece;
                holders[piece]++;
                held++;
            }
        }

        void forget(final int piece, final int[] holders)
        {
            if (has(piece))
            {
                pieces[piece >>> 6] &= ~(1L << piece);
                holders[piece]--;
                held--;
            }
        }

        void forgetAll(final int[] holders)
        {
            for (int piece = 0; piece < holders.length; piece++)
            {
                forget(piece, holders);
            }
        }

        void close()
        {
            if (connecting != null)
            {
                connecting.thenAccept(PeerConnection::close);
                connecting = null;
            }
            if (connection != null)
            {
                connection.close();
                connection = null;
            }
        }
    }
}
