package dev.starling.dataplane.serve;

import dev.starling.dataplane.download.DownloadListener;
import dev.starling.dataplane.download.DownloadRequest;
import dev.starling.dataplane.download.DownloadResult;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.node.NodeServices;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.PieceLayout;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.FileChannel;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Streams one task's content (a registry blob, a model file) to one HTTP client in order while the task downloads:
 * each piece goes out (sendfile from the content file) as soon as it is in the store, so the first byte does not
 * wait for the whole artifact. The piece that holds the last byte waits until the download has completed and, where
 * the request names a digest, verified it, so a client never receives a complete body that fails its digest: on a
 * failure the connection is closed and the client retries (with {@code Range}).
 * <p>
 * The front end decides what its responses look like ({@link Responses}): its own headers on the 200/206 head, and
 * its error bodies.
 * <p>
 * Threading: every method but the {@link DownloadListener} callbacks runs on the connection's event loop. The
 * channel must use a transport whose file regions are correct past 2 GiB (NIO or epoll).
 */
public final class TaskStream implements DownloadListener
{
    /**
     * How a front end's responses look. Called on the connection's event loop.
     */
    public interface Responses
    {
        /**
         * Adds the front end's own headers ({@code ETag}, digest headers, content type) to the 200 or 206 head;
         * {@code Content-Length}, {@code Content-Range} and {@code Accept-Ranges} are already set.
         *
         * @param headers the head's headers; caller retains.
         */
        void decorate(HttpHeaders headers);

        /**
         * @param failure why the download failed before any byte was sent.
         * @return the response to send; ownership transfers to the stream.
         */
        FullHttpResponse failure(StarlingException failure);

        /**
         * @param range       the client's range.
         * @param lengthBytes the content's length.
         * @return the 416 response to send ({@code Content-Range: bytes *}{@code /length} is added); ownership
         * transfers to the stream.
         */
        FullHttpResponse rangeNotSatisfiable(ByteRange range, long lengthBytes);
    }

    private static final Logger LOG = LoggerFactory.getLogger(TaskStream.class);
    private static final long POLL_NS = TimeUnit.MILLISECONDS.toNanos(2);

    private final ChannelHandlerContext ctx;
    private final NodeServices node;
    private final DownloadRequest request;
    private final String label;
    private final ByteRange range;
    private final Responses responses;
    private final boolean keepAlive;
    private TaskHandle handle;
    private boolean headersSent;
    private boolean verified;
    private StarlingException failure;
    private boolean finished;
    private boolean done;
    private long position;
    private long last;
    private boolean pumpScheduled;

    /**
     * @param ctx       the client's connection; caller retains.
     * @param node      the node whose store and workers serve the task.
     * @param request   the task's download (source, id, expected digest).
     * @param label     what is streamed, for log lines (a digest, a repository path).
     * @param range     the client's byte range, or null for the whole content.
     * @param keepAlive whether the connection stays open after the response.
     * @param responses the front end's response shapes.
     */
    public TaskStream(
        final ChannelHandlerContext ctx,
        final NodeServices node,
        final DownloadRequest request,
        final String label,
        final ByteRange range,
        final boolean keepAlive,
        final Responses responses)
    {
        this.ctx = ctx;
        this.node = node;
        this.request = request;
        this.label = label;
        this.range = range;
        this.keepAlive = keepAlive;
        this.responses = responses;
    }

    /**
     * Starts the task's download on the node (or joins the one running) and begins streaming.
     */
    public void start()
    {
        node.fetch(request, this).whenComplete((result, error) -> ctx.executor().execute(() -> onFetched(result, error)));
        pump();
    }

    @Override
    public void onProgress(final long completedBytes)
    {
        ctx.executor().execute(this::pump);
    }

    private void onFetched(final DownloadResult result, final Throwable error)
    {
        if (error != null)
        {
            final Throwable cause = error instanceof CompletionException && error.getCause() != null ?
                error.getCause() : error;
            failure = cause instanceof StarlingException ? (StarlingException)cause :
                new StarlingException(ErrorCode.INTERNAL, cause.toString(), cause);
        }
        else
        {
            verified = true;
            result.handle().close();
        }
        pump();
    }

    /**
     * Sends what the store holds now; called on downloads' progress, on writability changes and on a short timer
     * while waiting. The front end calls it when its channel becomes writable again.
     */
    public void pump()
    {
        pumpScheduled = false;
        if (finished || done)
        {
            return;
        }
        if (!ctx.channel().isActive())
        {
            finish();
            return;
        }
        if (handle == null)
        {
            handle = node.store().openForServing(request.taskId());
            if (handle == null)
            {
                if (failure != null)
                {
                    fail();
                }
                else
                {
                    schedule();
                }
                return;
            }
        }
        final PieceLayout layout = handle.layout();
        if (!headersSent && !sendHead(layout.contentLengthBytes()))
        {
            return;
        }
        boolean wrote = false;
        while (position <= last && ctx.channel().isWritable())
        {
            final int piece = layout.pieceAt(position);
            if (!handle.isPieceFinished(piece) || (piece == layout.pieceCount() - 1 && !verified))
            {
                break;
            }
            final long end = Math.min(last + 1, layout.pieceOffset(piece) + layout.pieceLength(piece));
            ctx.write(new StoreFileRegion(handle.channel(), position, end - position));
            position = end;
            wrote = true;
        }
        if (position > last)
        {
            // The store's content file must stay open until the queued regions have gone out.
            done = true;
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener((ChannelFutureListener)f ->
            {
                finish();
                if (!keepAlive || !f.isSuccess())
                {
                    f.channel().close();
                }
            });
            return;
        }
        if (wrote)
        {
            ctx.flush();
        }
        if (failure != null)
        {
            fail();
            return;
        }
        if (ctx.channel().isWritable())
        {
            schedule();
        }
    }

    /** Sends the response head once the length is known; false when the request was answered otherwise. */
    private boolean sendHead(final long length)
    {
        headersSent = true;
        final HttpResponse head;
        if (range == null)
        {
            position = 0;
            last = length - 1;
            head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        }
        else
        {
            if (!range.satisfiable(length))
            {
                final FullHttpResponse r = responses.rangeNotSatisfiable(range, length);
                r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
                ctx.writeAndFlush(r);
                finish();
                return false;
            }
            position = range.first(length);
            last = range.last(length);
            head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PARTIAL_CONTENT);
            head.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes " + position + "-" + last + "/" + length);
        }
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, last - position + 1);
        head.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        responses.decorate(head.headers());
        ctx.write(head);
        if (length == 0)
        {
            last = -1;
        }
        return true;
    }

    private void fail()
    {
        if (!headersSent)
        {
            headersSent = true;
            ctx.writeAndFlush(responses.failure(failure)).addListener(ChannelFutureListener.CLOSE);
        }
        else
        {
            LOG.info("{}: download failed after {} bytes were sent ({}); closing the connection", label,
                position, failure.describe());
            ctx.close();
        }
        finish();
    }

    private void schedule()
    {
        if (!pumpScheduled && !finished && !done)
        {
            pumpScheduled = true;
            ctx.executor().schedule(this::pump, POLL_NS, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Releases this stream's reference to the task; the download itself goes on for the store. The front end calls
     * it when the connection closes.
     */
    public void finish()
    {
        if (!finished)
        {
            finished = true;
            if (handle != null)
            {
                handle.close();
                handle = null;
            }
        }
    }

    /** A region of a content file the store owns: sent with sendfile, never closing the store's channel. */
    private static final class StoreFileRegion extends DefaultFileRegion
    {
        StoreFileRegion(final FileChannel channel, final long position, final long count)
        {
            super(channel, position, count);
        }

        @Override
        protected void deallocate()
        {
            // The channel belongs to the task handle, which outlives this region.
        }
    }
}
