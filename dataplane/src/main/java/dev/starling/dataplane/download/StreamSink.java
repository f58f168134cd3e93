package dev.starling.dataplane.download;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.source.BodySink;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceDigest;
import dev.starling.dataplane.task.PieceLayout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.BlockingQueue;

/**
 * Receives a whole body in one stream (origins without range support) and cuts it into pieces as it arrives:
 * writes each byte at its offset, hashes each piece, and posts a {@link PieceDone} per finished piece to the
 * coordinator. With an unknown length (layout null) it only writes, and the coordinator cuts pieces afterwards.
 * <p>
 * Pieces the store already holds are still received (the origin cannot skip them) but not rewritten.
 */
final class StreamSink implements BodySink
{
    /** A piece cut from the stream, or the end of the stream (piece -1). */
    record PieceDone(int pieceIndex, byte[] digest, StarlingException error, long totalBytes)
    {
    }

    private final FileChannel channel;
    private final PieceLayout layout;
    private final boolean[] skip;
    private final BlockingQueue<PieceDone> done;
    private final PieceDigest.Hasher hasher;
    private long position;
    private StarlingException error;

    StreamSink(final FileChannel channel, final PieceLayout layout, final boolean[] skip,
        final BlockingQueue<PieceDone> done, final PieceDigest algorithm)
    {
        this.hasher = algorithm.newHasher();
        this.channel = channel;
        this.layout = layout;
        this.skip = skip;
        this.done = done;
    }

    @Override
    public void onBody(final ByteBuffer data)
    {
        if (error != null)
        {
            return;
        }
        try
        {
            while (data.hasRemaining())
            {
                if (layout == null)
                {
                    position += write(data, position);
                    continue;
                }
                if (position >= layout.contentLengthBytes())
                {
                    error = new StarlingException(ErrorCode.CONTENT_CHANGED,
                        "origin sent more than the announced " + layout.contentLengthBytes() + " bytes");
                    return;
                }
                final int piece = layout.pieceAt(position);
                final long pieceEnd = layout.pieceOffset(piece) + layout.pieceLength(piece);
                final int n = (int)Math.min(data.remaining(), pieceEnd - position);
                final ByteBuffer slice = data.slice().limit(n);
                if (!skip[piece])
                {
                    hasher.update(slice.duplicate());
                    write(slice, position);
                }
                data.position(data.position() + n);
                position += n;
                if (position == pieceEnd && !skip[piece])
                {
                    final byte[] digest = new byte[Digest.SHA256_LENGTH_BYTES];
                    hasher.finish(digest, 0);
                    hasher.reset();
                    done.add(new PieceDone(piece, digest, null, -1));
                }
            }
        }
        catch (final IOException ex)
        {
            error = PieceStore.ioError("write the stream", ex);
        }
        catch (final StarlingException ex)
        {
            error = ex;
        }
    }

    private int write(final ByteBuffer src, final long at) throws IOException
    {
        int total = 0;
        while (src.hasRemaining())
        {
            total += channel.write(src, at + total);
        }
        return total;
    }

    @Override
    public void onComplete(final long bodyLengthBytes)
    {
        if (error == null && layout != null && position != layout.contentLengthBytes())
        {
            error = new StarlingException(ErrorCode.ORIGIN_TRANSFER, "origin sent " + position + " of " +
                layout.contentLengthBytes() + " bytes");
        }
        done.add(new PieceDone(-1, null, error, position));
    }

    @Override
    public void onError(final StarlingException error)
    {
        done.add(new PieceDone(-1, null, this.error != null ? this.error : error, position));
    }
}
