package dev.starling.rdma;

import org.agrona.collections.Long2ObjectHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parent's pieces registered for remote reads: each piece a client reads is mapped read-only from its content
 * file and registered for remote read only (so the kernel pins it without write access, which Linux 6.5 and later
 * require for a shared file mapping), and the registration is kept for the next child that wants the same piece.
 * Pinned bytes stay under a budget: registrations no lease holds are dropped oldest first, and a piece that still
 * does not fit is answered in-band.
 * <p>
 * Thread-safe: the piece server's event loops share it. The map and the accounting take this object's lock;
 * mapping, registering and deregistering (milliseconds for a large piece) happen outside it.
 */
final class Registrations implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Registrations.class);

    private final Fabric fabric;
    private final long budgetBytes;
    private final Map<FileChannel, Long2ObjectHashMap<Registration>> byChannel = new IdentityHashMap<>();
    private long registeredBytes;
    private long clock;
    private boolean closed;

    /**
     * One registered piece. Its lease count and last use are guarded by the owning {@link Registrations}.
     */
    static final class Registration
    {
        final FileChannel channel;
        final long fileOffset;
        final int length;
        final long address;
        final int rkey;
        private final Arena arena;
        private final Fabric.RemoteRegion region;
        private int leases;
        private long lastUsed;

        Registration(
            final FileChannel channel,
            final long fileOffset,
            final int length,
            final Arena arena,
            final Fabric.RemoteRegion region)
        {
            this.channel = channel;
            this.fileOffset = fileOffset;
            this.length = length;
            this.arena = arena;
            this.region = region;
            this.address = region.address();
            this.rkey = region.rkey();
        }

        void drop()
        {
            try
            {
                region.close();
            }
            finally
            {
                arena.close();
            }
        }
    }

    /**
     * @param fabric      where to register.
     * @param budgetBytes most bytes registered at once.
     */
    Registrations(final Fabric fabric, final long budgetBytes)
    {
        this.fabric = fabric;
        this.budgetBytes = budgetBytes;
    }

    /**
     * Leases a piece's registration, registering it first when needed.
     *
     * @param channel    the content file; the caller's source keeps it open.
     * @param fileOffset where the piece starts.
     * @param length     piece length, > 0.
     * @return the registration with one more lease (give it back with {@link #release}), or null when the budget
     *         has no room for it (answer in-band).
     * @throws IOException when the piece cannot be mapped.
     * @throws dev.starling.rdma.verbs.VerbsException when it cannot be registered.
     */
    Registration acquire(final FileChannel channel, final long fileOffset, final int length) throws IOException
    {
        final List<Registration> evicted;
        synchronized (this)
        {
            final Registration known = find(channel, fileOffset, length);
            if (known != null)
            {
                known.leases++;
                known.lastUsed = ++clock;
                return known;
            }
            evicted = makeRoom(length);
            if (evicted == null || closed)
            {
                return null;
            }
            registeredBytes += length; // reserved now, so concurrent misses cannot overshoot the budget
        }
        dropAll(evicted);
        final Registration fresh;
        try
        {
            fresh = register(channel, fileOffset, length);
        }
        catch (final IOException | RuntimeException ex)
        {
            synchronized (this)
            {
                registeredBytes -= length;
            }
            throw ex;
        }
        synchronized (this)
        {
            final Registration raced = find(channel, fileOffset, length);
            if (raced != null || closed)
            {
                registeredBytes -= length;
                if (raced != null)
                {
                    raced.leases++;
                    raced.lastUsed = ++clock;
                }
            }
            else
            {
                fresh.leases = 1;
                fresh.lastUsed = ++clock;
                byChannel.computeIfAbsent(channel, c -> new Long2ObjectHashMap<>()).put(fileOffset, fresh);
                return fresh;
            }
            fresh.drop();
            return raced;
        }
    }

    /**
     * @param registration from {@link #acquire}; the lease ends (the registration stays for the next reader).
     */
    synchronized void release(final Registration registration)
    {
        registration.leases--;
    }

    /**
     * @return leases out now, over every registration.
     */
    synchronized int leases()
    {
        int n = 0;
        for (final Long2ObjectHashMap<Registration> pieces : byChannel.values())
        {
            for (final Registration r : pieces.values())
            {
                n += r.leases;
            }
        }
        return n;
    }

    /**
     * @return bytes registered now.
     */
    synchronized long registeredBytes()
    {
        return registeredBytes;
    }

    private Registration find(final FileChannel channel, final long fileOffset, final int length)
    {
        final Long2ObjectHashMap<Registration> pieces = byChannel.get(channel);
        final Registration r = pieces == null ? null : pieces.get(fileOffset);
        return r != null && r.length == length ? r : null;
    }

    /**
     * Unlinks idle registrations, those of closed files first and then the oldest, until {@code length} more
     * bytes fit. Under the lock.
     *
     * @return what to drop outside the lock, or null when even that would not make room.
     */
    private List<Registration> makeRoom(final long length)
    {
        if (length > budgetBytes)
        {
            return null;
        }
        final List<Registration> idle = new ArrayList<>();
        for (final Long2ObjectHashMap<Registration> pieces : byChannel.values())
        {
            for (final Registration r : pieces.values())
            {
                if (r.leases == 0)
                {
                    idle.add(r);
                }
            }
        }
        final List<Registration> evicted = new ArrayList<>();
        idle.sort(Comparator.<Registration>comparingInt(r -> r.channel.isOpen() ? 1 : 0)
            .thenComparingLong(r -> r.lastUsed));
        long bytes = registeredBytes;
        for (final Registration r : idle)
        {
            if (bytes + length <= budgetBytes && r.channel.isOpen())
            {
                break;
            }
            evicted.add(r);
            bytes -= r.length;
        }
        if (bytes + length > budgetBytes)
        {
            return null;
        }
        for (final Registration r : evicted)
        {
            final Long2ObjectHashMap<Registration> pieces = byChannel.get(r.channel);
            pieces.remove(r.fileOffset);
            if (pieces.isEmpty())
            {
                byChannel.remove(r.channel);
            }
        }
        registeredBytes = bytes;
        return evicted;
    }

    private Registration register(final FileChannel channel, final long fileOffset, final int length)
        throws IOException
    {
        final Arena arena = Arena.ofShared();
        try
        {
            final MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, fileOffset, length, arena);
            return new Registration(channel, fileOffset, length, arena, fabric.registerForRemoteRead(mapped));
        }
        catch (final IOException | RuntimeException ex)
        {
            arena.close();
            throw ex;
        }
    }

    private static void dropAll(final List<Registration> registrations)
    {
        for (final Registration r : registrations)
        {
            try
            {
                r.drop();
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("rdma: cannot deregister piece at {} of a content file: {}", r.fileOffset, ex.toString());
            }
        }
    }

    /**
     * Deregisters everything; leases still out read freed memory from now on, so close only after the listeners.
     */
    @Override
    public void close()
    {
        final List<Registration> all = new ArrayList<>();
        synchronized (this)
        {
            closed = true;
            for (final Long2ObjectHashMap<Registration> pieces : byChannel.values())
            {
                all.addAll(pieces.values());
            }
            byChannel.clear();
            registeredBytes = 0;
        }
        dropAll(all);
    }
}
