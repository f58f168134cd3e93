package dev.starling.rdma;

import dev.starling.dataplane.transport.PieceProtocol;
import dev.starling.dataplane.transport.PieceRegion;
import dev.starling.dataplane.transport.RemoteReadServer;
import io.netty.buffer.ByteBuf;
import org.agrona.collections.Int2ObjectHashMap;

import java.io.IOException;

/**
 * The parent's half of one piece connection's remote reads: once the child's queue pair is connected (the
 * listener says so), a piece the child asks to read remotely is answered with where it lies in registered memory,
 * under a lease that the child's RELEASE ends. Anything that stops that (no connection yet, no room in the
 * registration budget, a mapping or registration that fails) answers the piece in-band instead; a failure is
 * logged once and counted.
 * <p>
 * Leases are confined to the connection's event loop; {@link #established} is set by the listener's thread.
 */
final class ServerSession implements RemoteReadServer.Session
{
    private final RdmaServer server;
    private final long token;
    private final Int2ObjectHashMap<Registrations.Registration> leases = new Int2ObjectHashMap<>();
    private volatile boolean established;
    private int nextLease;
    private boolean closed;

    ServerSession(final RdmaServer server, final long token)
    {
        this.server = server;
        this.token = token;
    }

    long token()
    {
        return token;
    }

    /**
     * @param up whether the child's queue pair is connected. Listener thread.
     */
    void established(final boolean up)
    {
        established = up;
    }

    @Override
    public boolean describe(final int requestId, final int pieceIndex, final PieceRegion region, final ByteBuf out)
    {
        if (!established || closed || region.length() <= 0)
        {
            return false;
        }
        final Registrations.Registration registration;
        try
        {
            registration = server.registrations().acquire(region.channel(), region.fileOffset(), region.length());
        }
        catch (final IOException | RuntimeException ex)
        {
            server.fallback("register-failed", "cannot register piece " + pieceIndex + " for remote reads: " + ex);
            return false;
        }
        if (registration == null)
        {
            return false;
        }
        final int lease = nextLease++;
        leases.put(lease, registration);
        PieceProtocol.writeRemoteReadResponse(out, requestId, pieceIndex, region.digest, registration.address,
            registration.rkey, region.length(), lease);
        return true;
    }

    @Override
    public void onRelease(final int lease)
    {
        final Registrations.Registration registration = leases.remove(lease);
        if (registration != null)
        {
            server.registrations().release(registration);
        }
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        established = false;
        for (final Registrations.Registration registration : leases.values())
        {
            server.registrations().release(registration);
        }
        leases.clear();
        server.onSessionClosed(this);
    }
}
