package dev.starling.dataplane.transport;

import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceLayout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link PieceSource} over plain files for the transport test kit: it keeps the transport tests independent of
 * the store. Piece digests are computed when a piece is marked available.
 */
public final class FilePieceSource implements PieceSource, AutoCloseable
{
    private final Map<String, Task> tasks = new ConcurrentHashMap<>();

    private record Task(FileChannel channel, PieceLayout layout, BitSet available, byte[][] digests)
    {
    }

    /**
     * @param taskId  32-byte id.
     * @param file    content file.
     * @param layout  its layout.
     * @param pieces  pieces to serve (others answer NOT_YET_AVAILABLE).
     */
    public void add(final byte[] taskId, final Path file, final PieceLayout layout, final int... pieces)
    {
        try
        {
            final FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            final Task t = new Task(channel, layout, new BitSet(), new byte[layout.pieceCount()][]);
            for (final int p : pieces)
            {
                t.digests[p] = sha256(channel, layout.pieceOffset(p), layout.pieceLength(p));
                t.available.set(p);
            }
            tasks.put(HexFormat.of().formatHex(taskId), t);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    static byte[] sha256(final FileChannel channel, final long offset, final int length) throws IOException
    {
        final MessageDigest sha = Digest.newSha256();
        final ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        long position = offset;
        final long end = offset + length;
        while (position < end)
        {
            buf.clear().limit((int)Math.min(buf.capacity(), end - position));
            position += channel.read(buf, position);
            buf.flip();
            sha.update(buf);
        }
        return sha.digest();
    }

    @Override
    public PieceStatus lookup(final byte[] taskId, final int pieceIndex, final PieceRegion region)
    {
        final Task t = tasks.get(HexFormat.of().formatHex(taskId));
        if (t == null)
        {
            return PieceStatus.NOT_FOUND;
        }
        if (pieceIndex >= t.layout.pieceCount())
        {
            return PieceStatus.BAD_REQUEST;
        }
        if (!t.available.get(pieceIndex))
        {
            return PieceStatus.NOT_YET_AVAILABLE;
        }
        System.arraycopy(t.digests[pieceIndex], 0, region.digest, 0, 32);
        region.set(t.channel, t.layout.pieceOffset(pieceIndex), t.layout.pieceLength(pieceIndex));
        return PieceStatus.OK;
    }

    @Override
    public void close() throws IOException
    {
        for (final Task t : tasks.values())
        {
            t.channel.close();
        }
    }
}
