package dev.starling.perflab;

import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.transport.PieceRegion;
import dev.starling.dataplane.transport.PieceSource;
import dev.starling.dataplane.transport.PieceStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@link PieceSource} that serves one task of one piece (index 0) from a file of random bytes it writes itself,
 * so the transport benchmarks run without a store. A lookup compares the task id in place and fills the region:
 * no allocation. The digest is computed once, when the file is written.
 */
final class SinglePieceSource implements PieceSource, AutoCloseable
{
    private final byte[] taskId;
    private final byte[] digest;
    private final FileChannel channel;
    private final int pieceLengthBytes;

    private SinglePieceSource(final byte[] taskId, final byte[] digest, final FileChannel channel,
        final int pieceLengthBytes)
    {
        this.taskId = taskId;
        this.digest = digest;
        this.channel = channel;
        this.pieceLengthBytes = pieceLengthBytes;
    }

    /**
     * Writes {@code pieceLengthBytes} random bytes to {@code file} and opens it for serving.
     *
     * @param file             file to create (replaced if present); the caller deletes it after {@link #close}.
     * @param taskId           32-byte id the piece is served under; copied.
     * @param pieceLengthBytes piece length.
     * @return the source; caller closes it.
     */
    static SinglePieceSource create(final Path file, final byte[] taskId, final int pieceLengthBytes)
    {
        final byte[] content = new byte[pieceLengthBytes];
        ThreadLocalRandom.current().nextBytes(content);
        final MessageDigest sha256 = Digest.newSha256();
        final byte[] digest = sha256.digest(content);
        try
        {
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING))
            {
                final ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining())
                {
                    out.write(buf);
                }
            }
            return new SinglePieceSource(taskId.clone(), digest, FileChannel.open(file, StandardOpenOption.READ),
                pieceLengthBytes);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public PieceStatus lookup(final byte[] requestedTaskId, final int pieceIndex, final PieceRegion region)
    {
        if (!Arrays.equals(taskId, requestedTaskId))
        {
            return PieceStatus.NOT_FOUND;
        }
        if (pieceIndex != 0)
        {
            return PieceStatus.BAD_REQUEST;
        }
        System.arraycopy(digest, 0, region.digest, 0, Digest.SHA256_LENGTH_BYTES);
        region.set(channel, 0, pieceLengthBytes);
        return PieceStatus.OK;
    }

    /**
     * Closes the file.
     */
    @Override
    public void close()
    {
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
