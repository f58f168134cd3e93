package dev.starling.dataplane.download;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceLayout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.function.Consumer;

/**
 * Hashes the finished prefix of a task's content in order, from the page cache, while later pieces still arrive,
 * so that the whole-content digest is ready when the last piece lands. Owned by the download's coordinator.
 */
final class ContentHasher
{
    private final TaskHandle handle;
    private final Digest expected;
    private final ByteBuffer buffer;
    private final MessageDigest sha256;
    private final Consumer<ByteBuffer> update;
    private int nextPiece;

    /**
     * @param handle   the task; caller retains.
     * @param expected the digest the content must have, or null (then nothing is hashed).
     * @param buffer   a direct buffer to read through; caller retains, and does not use it meanwhile.
     */
    ContentHasher(final TaskHandle handle, final Digest expected, final ByteBuffer buffer)
    {
        this.handle = handle;
        this.expected = expected;
        this.buffer = buffer;
        this.sha256 = expected == null ? null : Digest.newSha256();
        this.update = sha256 == null ? null : sha256::update;
    }

    /**
     * Hashes every finished piece of the prefix.
     *
     * @return pieces hashed.
     */
    int advance()
    {
        return advance(Integer.MAX_VALUE);
    }

    /**
     * Hashes at most {@code maxPieces} finished pieces of the prefix. A download's coordinator passes 1, so that
     * hashing a long finished prefix (SHA-256 runs at about 1 GiB/s per core) never holds up the completions and
     * requests it also serves: the pieces in flight keep the connections busy while it hashes.
     *
     * @param maxPieces most pieces to hash now.
     * @return pieces hashed.
     */
    int advance(final int maxPieces)
    {
        if (sha256 == null)
        {
            return 0;
        }
        final PieceLayout layout = handle.layout();
        int hashed = 0;
        while (hashed < maxPieces && nextPiece < layout.pieceCount() && handle.isPieceFinished(nextPiece))
        {
            read(handle, layout.pieceOffset(nextPiece), layout.pieceLength(nextPiece), buffer, update);
            nextPiece++;
            hashed++;
        }
        return hashed;
    }

    Digest finish()
    {
        if (sha256 == null)
        {
            return null;
        }
        final Digest actual = Digest.of(sha256.digest());
        if (!actual.equals(expected))
        {
            // The bytes are wrong as a whole: forget them so that nothing serves or places them.
            handle.reset();
            throw new StarlingException(ErrorCode.DIGEST_MISMATCH, "content of " + handle.id() +
                " has digest " + actual + ", expected " + expected + ": the origin served other bytes");
        }
        return actual;
    }

    /**
     * Reads a range of the task's content through {@code buffer} into {@code sink}.
     */
    static void read(
        final TaskHandle handle, final long offset, final long length, final ByteBuffer buffer,
        final Consumer<ByteBuffer> sink)
    {
        long position = offset;
        final long end = offset + length;
        try
        {
            while (position < end)
            {
                buffer.clear().limit((int)Math.min(buffer.capacity(), end - position));
                final int n = handle.channel().read(buffer, position);
                if (n < 0)
                {
                    throw new StarlingException(ErrorCode.DATA_DIR_UNUSABLE, "content file " + handle.contentPath() +
                        " is shorter than its task");
                }
                position += n;
                buffer.flip();
                sink.accept(buffer);
            }
        }
        catch (final IOException ex)
        {
            throw PieceStore.ioError("read " + handle.contentPath(), ex);
        }
    }
}
