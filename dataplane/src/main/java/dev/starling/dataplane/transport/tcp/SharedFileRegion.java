package dev.starling.dataplane.transport.tcp;

import io.netty.channel.DefaultFileRegion;
import io.netty.util.IllegalReferenceCountException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * A file region over a channel the piece source keeps open for many pieces: unlike {@link DefaultFileRegion} it
 * does not close the channel when Netty releases the region. The last release hands the region back to the
 * {@link Pool} of the connection that sent it, which sets it up for the next piece: a response allocates no region.
 * <p>
 * It stays a {@link DefaultFileRegion} because that is what epoll (sendfile) and io_uring (splice) send without a
 * copy; any other {@code FileRegion} goes through user space there. {@code DefaultFileRegion} keeps its position
 * and count in final fields, so this region overrides {@link #position()} and {@link #count()} (which the engines
 * call) and {@link #transferTo} (NIO's path), and resets the two non-final fields that epoll's native sendfile uses
 * directly, {@code file} and {@code transferred}, through {@link VarHandle}s. Where the fields cannot be reached
 * (a Netty that renamed them), every piece gets a region of its own, as before; that is logged once.
 * <p>
 * The final fields stay at position 0 and count 0. Epoll reads them only in its check for a file shorter than the
 * region, which it runs whenever sendfile sends nothing, a full socket included, so they must pass it. A recycled
 * region is therefore only handed out for a range the file covers when the response starts ({@link Pool#acquire}
 * checks); a piece whose file is already too short gets a region of its own, whose write fails as before. (A file
 * shortened in the middle of a send would go unnoticed on epoll; the piece source never shortens a file it serves.)
 */
final class SharedFileRegion extends DefaultFileRegion
{
    private static final Logger LOG = LoggerFactory.getLogger(SharedFileRegion.class);
    private static final VarHandle FILE;
    private static final VarHandle TRANSFERRED;

    static
    {
        VarHandle file = null;
        VarHandle transferred = null;
        try
        {
            final MethodHandles.Lookup lookup =
                MethodHandles.privateLookupIn(DefaultFileRegion.class, MethodHandles.lookup());
            file = lookup.findVarHandle(DefaultFileRegion.class, "file", FileChannel.class);
            transferred = lookup.findVarHandle(DefaultFileRegion.class, "transferred", long.class);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            file = null;
            transferred = null;
            LOG.warn("piece server: cannot reuse file regions with this Netty ({}); each piece allocates one",
                ex.toString());
        }
        FILE = file;
        TRANSFERRED = transferred;
    }

    private final Pool pool;
    private long regionPosition;
    private long regionCount;

    private SharedFileRegion(final Pool pool, final FileChannel channel, final long position, final long count)
    {
        super(channel, pool == null ? position : 0, pool == null ? count : 0);
        this.pool = pool;
        this.regionPosition = position;
        this.regionCount = count;
    }

    /**
     * @return true when released regions are reused; false on a Netty whose fields this class cannot reach.
     */
    static boolean isRecycling()
    {
        return FILE != null;
    }

    private SharedFileRegion reuse(final FileChannel channel, final long position, final long count)
    {
        FILE.set(this, channel);
        TRANSFERRED.set(this, 0L);
        regionPosition = position;
        regionCount = count;
        setRefCnt(1);
        return this;
    }

    @Override
    public long position()
    {
        return regionPosition;
    }

    @Override
    public long count()
    {
        return regionCount;
    }

    @Override
    public long transferTo(final WritableByteChannel target, final long position) throws IOException
    {
        if (pool == null)
        {
            return super.transferTo(target, position);
        }
        final long remaining = regionCount - position;
        if (remaining < 0 || position < 0)
        {
            throw new IllegalArgumentException("position out of range: " + position + " (expected: 0 - " +
                (regionCount - 1) + ')');
        }
        if (remaining == 0)
        {
            return 0L;
        }
        if (refCnt() == 0)
        {
            throw new IllegalReferenceCountException(0);
        }
        final FileChannel file = (FileChannel)FILE.get(this);
        final long written = file.transferTo(regionPosition + position, remaining, target);
        if (written > 0)
        {
            TRANSFERRED.set(this, transferred() + written);
        }
        else if (written == 0 && regionPosition + regionCount > file.size())
        {
            throw new IOException("piece file is " + file.size() + " bytes, shorter than the region's end at " +
                (regionPosition + regionCount));
        }
        return written;
    }

    @Override
    protected void deallocate()
    {
        // The channel belongs to the piece source, which closes it when the task is no longer served.
        if (pool != null)
        {
            pool.recycle(this);
        }
    }

    /**
     * The released regions of one connection, confined to its event loop (where Netty releases what it wrote).
     * It holds at most as many regions as that connection ever had in flight at once.
     */
    static final class Pool
    {
        private SharedFileRegion[] free = new SharedFileRegion[4];
        private int freeCount;

        /**
         * A region over part of a file, with a reference count of 1.
         *
         * @param channel  the content file; the piece source retains it.
         * @param position where the piece starts in the file.
         * @param count    piece length.
         * @return the region; ownership transfers to the caller, which hands it to Netty's write.
         * @throws IOException when the file's size cannot be read.
         */
        SharedFileRegion acquire(final FileChannel channel, final long position, final long count) throws IOException
        {
            if (FILE == null || position + count > channel.size())
            {
                return new SharedFileRegion(null, channel, position, count);
            }
            if (freeCount == 0)
            {
                return new SharedFileRegion(this, channel, position, count);
            }
            final SharedFileRegion region = free[--freeCount];
            free[freeCount] = null;
            return region.reuse(channel, position, count);
        }

        /**
         * @return regions waiting for reuse.
         */
        int freeCount()
        {
            return freeCount;
        }

        private void recycle(final SharedFileRegion region)
        {
            if (freeCount == free.length)
            {
                free = Arrays.copyOf(free, freeCount * 2);
            }
            free[freeCount++] = region;
        }
    }
}
