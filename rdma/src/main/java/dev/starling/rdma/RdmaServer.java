package dev.starling.rdma;

import dev.starling.dataplane.transport.PieceProtocol;
import dev.starling.dataplane.transport.RemoteReadServer;
import dev.starling.dataplane.transport.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The parent's side of the provider for one piece server: its rdma_cm listener and the sessions of its
 * connections. A HELLO gets a random token with the listener's port; the child's rdma_cm connect request carries
 * the token back, which ties the queue pair to the TCP connection (and keeps out anyone who did not say HELLO).
 * Thread-safe.
 */
final class RdmaServer implements RemoteReadServer, Fabric.Acceptor, AutoCloseable
{
    private static final SecureRandom TOKENS = new SecureRandom();

    private final Registrations registrations;
    private final Fabric.Listener listener;
    private final Map<Long, ServerSession> pending = new ConcurrentHashMap<>();

    /**
     * @param fabric        where to listen.
     * @param bind          the piece server's address; the listener takes the same IP and a port of its own.
     * @param registrations the provider's registered pieces.
     */
    RdmaServer(final Fabric fabric, final InetSocketAddress bind, final Registrations registrations)
    {
        this.registrations = registrations;
        this.listener = fabric.listen(bind, this);
    }

    Registrations registrations()
    {
        return registrations;
    }

    /**
     * @return the rdma_cm listener's port.
     */
    int port()
    {
        return listener.port();
    }

    @Override
    public Session acceptHello(final Channel channel, final ByteBuf in, final int bodyOffset, final ByteBuf ack)
    {
        final int version = in.getUnsignedByte(bodyOffset);
        final int kind = in.getUnsignedByte(bodyOffset + 1);
        if (version != PieceProtocol.EXTENSION_VERSION || kind != PieceProtocol.HELLO_KIND_RDMA_READ)
        {
            PieceProtocol.writeHelloAck(ack, PieceProtocol.HELLO_UNSUPPORTED, 0, 0);
            return null;
        }
        long token;
        do
        {
            token = TOKENS.nextLong();
        }
        while (token == 0 || pending.containsKey(token));
        final ServerSession session = new ServerSession(this, token);
        pending.put(token, session);
        PieceProtocol.writeHelloAck(ack, PieceProtocol.HELLO_OK, listener.port(), token);
        return session;
    }

    @Override
    public ServerSession onConnectRequest(final byte[] privateData)
    {
        if (privateData.length < 16 || privateData[0] != PieceProtocol.EXTENSION_VERSION)
        {
            return null;
        }
        return pending.remove(ByteBuffer.wrap(privateData).getLong(8));
    }

    @Override
    public void onEstablished(final ServerSession session)
    {
        session.established(true);
    }

    @Override
    public void onDisconnected(final ServerSession session)
    {
        session.established(false);
    }

    /**
     * The session's TCP connection closed: forget its token and end its queue pair.
     */
    void onSessionClosed(final ServerSession session)
    {
        pending.remove(session.token(), session);
        listener.disconnect(session);
    }

    void fallback(final String kind, final String reason)
    {
        Transports.recordFallback(Transports.RDMA, Transports.TCP, kind, reason);
    }

    @Override
    public void close()
    {
        listener.close();
    }
}
