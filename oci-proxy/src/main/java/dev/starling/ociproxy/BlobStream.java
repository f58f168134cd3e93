package dev.starling.ociproxy;

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
 * Streams one blob to one client in order while its task downloads: each piece goes out (sendfile from the content
 * file) as soon as it is in the store, so the first byte does not wait for the whole blob. The piece that holds the
 * blob's last byte waits until the whole-content digest has been verified, so a client never receives a complete
 * blob that fails its digest: on a failure the connection is closed and the runtime retries (with {@code Range}).
 * <p>
 * Threading: every method but the {@link DownloadListener} callbacks runs on the connection's event loop.
 */
final class BlobStream implements DownloadListener
{
    private static final Logger LOG = LoggerFactory.getLogger(BlobStream.class);
    private static final long POLL_NS = TimeUnit.MILLISECONDS.toNanos(2);

    private final ChannelHandlerContext ctx;
    private final NodeServices node;
    private final DownloadRequest request;
    private final String digest;
    private final ByteRange range;
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

    BlobStream(
        final ChannelHandlerContext ctx,
        final NodeServices node,
        final DownloadRequest request,
        final String digest,
        final ByteRange range,
        final boolean keepAlive)
    {
        this.ctx = ctx;
        this.node = node;
        this.request = request;
        this.digest = digest;
        this.range = range;
        this.keepAlive = keepAlive;
    }

    void start()
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
     * while waiting.
     */
    void pump()
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
                final var r = RegistryErrors.response(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                    "RANGE_INVALID", "range " + range + " is outside the blob's " + length + " bytes");
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
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
        head.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        head.headers().set("Docker-Content-Digest", digest);
        head.headers().set(HttpHeaderNames.ETAG, "\"" + digest + "\"");
        head.headers().set("Docker-Distribution-API-Version", "registry/2.0");
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
            ctx.writeAndFlush(errorResponse(failure)).addListener(ChannelFutureListener.CLOSE);
        }
        else
        {
            LOG.info("blob {}: download failed after {} bytes were sent ({}); closing the connection", digest,
                position, failure.describe());
            ctx.close();
        }
        finish();
    }

    static io.netty.handler.codec.http.FullHttpResponse errorResponse(final StarlingException failure)
    {
        switch (failure.code())
        {
            case ORIGIN_NOT_FOUND:
                return RegistryErrors.response(HttpResponseStatus.NOT_FOUND, "BLOB_UNKNOWN", failure.getMessage());
            case ORIGIN_DENIED:
                return RegistryErrors.response(HttpResponseStatus.UNAUTHORIZED, "UNAUTHORIZED", failure.getMessage());
            default:
                return RegistryErrors.response(HttpResponseStatus.BAD_GATEWAY, "UNAVAILABLE",
                    "the upstream registry could not be read: " + failure.describe());
        }
    }

    private void schedule()
    {
        if (!pumpScheduled && !finished && !done)
        {
            pumpScheduled = true;
            ctx.executor().schedule(this::pump, POLL_NS, TimeUnit.NANOSECONDS);
        }
    }

    /** Releases this stream's reference to the task; the download itself goes on for the store. */
    void finish()
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
