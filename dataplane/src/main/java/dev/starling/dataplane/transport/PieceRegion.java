package dev.starling.dataplane.transport;

import java.nio.channels.FileChannel;

/**
 * Where a finished piece lies on disk, filled in by a {@link PieceSource} for the server to send from. A reusable
 * holder: one per server connection, overwritten by every lookup.
 */
public final class PieceRegion
{
    /** The piece's sha256, sent with the piece so the receiver can check what it got. */
    public final byte[] digest = new byte[32];
    private FileChannel channel;
    private long fileOffset;
    private int length;

    /**
     * @param channel    the content file; owned by the source, which keeps it open while the task is served.
     * @param fileOffset where the piece starts in the file.
     * @param length     piece length.
     * @return this.
     */
    public PieceRegion set(final FileChannel channel, final long fileOffset, final int length)
    {
        this.channel = channel;
        this.fileOffset = fileOffset;
        this.length = length;
        return this;
    }

    /**
     * @return the content file; the source retains it.
     */
    public FileChannel channel()
    {
        return channel;
    }

    /**
     * @return where the piece starts in the file.
     */
    public long fileOffset()
    {
        return fileOffset;
    }

    /**
     * @return piece length.
     */
    public int length()
    {
        return length;
    }
}
