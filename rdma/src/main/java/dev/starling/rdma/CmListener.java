package dev.starling.rdma;

import dev.starling.rdma.verbs.RdmaCm;
import dev.starling.rdma.verbs.Structs;
import dev.starling.rdma.verbs.VerbsException;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A parent's rdma_cm listener, as an agent on its own thread: it owns the event channel, the listening id and every
 * accepted id, takes connect requests (a queue pair on the shared completion queue, accepted with as many incoming
 * READs as the device allows), and tears connections down when the peer goes or its session closes. Sessions hand
 * it disconnects through a queue; nothing else touches its ids.
 */
final class CmListener implements Agent, Fabric.Listener
{
    private static final Logger LOG = LoggerFactory.getLogger(CmListener.class);

    private final RdmaCm cm;
    private final MemorySegment context;
    private final MemorySegment pd;
    private final MemorySegment cq;
    private final Fabric.Acceptor acceptor;
    private final MemorySegment channel;
    private final MemorySegment listenId;
    private final int port;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment pollScratch = RdmaCm.pollScratch(arena);
    private final Map<Long, ServerSession> sessionsById = new HashMap<>();
    private final Map<ServerSession, MemorySegment> idsBySession = new IdentityHashMap<>();
    private final ManyToOneConcurrentLinkedQueue<ServerSession> disconnects = new ManyToOneConcurrentLinkedQueue<>();
    private AgentRunner runner;

    private CmListener(
        final RdmaCm cm,
        final MemorySegment context,
        final MemorySegment pd,
        final MemorySegment cq,
        final InetSocketAddress bind,
        final Fabric.Acceptor acceptor)
    {
        this.cm = cm;
        this.context = context;
        this.pd = pd;
        this.cq = cq;
        this.acceptor = acceptor;
        channel = cm.createEventChannel();
        try
        {
            listenId = cm.createId(channel);
        }
        catch (final RuntimeException ex)
        {
            cm.destroyEventChannel(channel);
            throw ex;
        }
        try
        {
            port = cm.listen(listenId, new InetSocketAddress(bind.getAddress(), 0), 128);
        }
        catch (final RuntimeException ex)
        {
            cm.destroyId(listenId);
            cm.destroyEventChannel(channel);
            throw ex;
        }
        fd = RdmaCm.fd(channel);
    }

    static CmListener start(
        final RdmaCm cm,
        final MemorySegment context,
        final MemorySegment pd,
        final MemorySegment cq,
        final InetSocketAddress bind,
        final Fabric.Acceptor acceptor)
    {
        final CmListener listener = new CmListener(cm, context, pd, cq, bind, acceptor);
        // Connection management is rare: back off to 10 ms sleeps when idle.
        listener.runner = new AgentRunner(new BackoffIdleStrategy(10, 10, TimeUnit.MICROSECONDS.toNanos(10),
            TimeUnit.MILLISECONDS.toNanos(10)), ex -> LOG.warn("rdma listener: {}", ex.toString()), null, listener);
        AgentRunner.startOnThread(listener.runner, r ->
        {
            final Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        return listener;
    }

    @Override
    public String roleName()
    {
        return "starling-rdma-listener-" + port;
    }

    @Override
    public int port()
    {
        return port;
    }

    @Override
    public void disconnect(final ServerSession session)
    {
        disconnects.offer(session);
    }

    @Override
    public int doWork()
    {
        int work = 0;
        ServerSession gone;
        while ((gone = disconnects.poll()) != null)
        {
            final MemorySegment id = idsBySession.remove(gone);
            if (id != null)
            {
                sessionsById.remove(id.address());
                destroy(id, true);
                work++;
            }
        }
        if (cm.awaitEvent(fd, 0, pollScratch))
        {
            final MemorySegment event = cm.getEvent(channel);
            final MemorySegment id = RdmaCm.eventId(event);
            final boolean destroyId;
            try
            {
                destroyId = onEvent(event, id);
            }
            finally
            {
                cm.ackEvent(event);
            }
            if (destroyId)
            {
                // After the ack: rdma_destroy_id waits for every event of the id to be acknowledged.
                destroy(id, false);
            }
            work++;
        }
        return work;
    }

    /**
     * @return true when the id must be destroyed once the event is acknowledged.
     */
    private boolean onEvent(final MemorySegment event, final MemorySegment id)
    {
        final int type = RdmaCm.eventType(event);
        switch (type)
        {
            case Structs.RDMA_CM_EVENT_CONNECT_REQUEST:
                return !accept(event, id);
            case Structs.RDMA_CM_EVENT_ESTABLISHED:
            {
                final ServerSession session = sessionsById.get(id.address());
                if (session != null)
                {
                    acceptor.onEstablished(session);
                }
                return false;
            }
            case Structs.RDMA_CM_EVENT_DISCONNECTED:
            case Structs.RDMA_CM_EVENT_CONNECT_ERROR:
            case Structs.RDMA_CM_EVENT_UNREACHABLE:
            case Structs.RDMA_CM_EVENT_REJECTED:
            case Structs.RDMA_CM_EVENT_DEVICE_REMOVAL:
            {
                if (type == Structs.RDMA_CM_EVENT_DEVICE_REMOVAL)
                {
                    LOG.error("rdma listener on port {}: device removed", port);
                }
                final ServerSession session = sessionsById.remove(id.address());
                if (session == null)
                {
                    return false;
                }
                idsBySession.remove(session);
                acceptor.onDisconnected(session);
                cm.destroyQp(id);
                return true;
            }
            default:
                LOG.debug("rdma listener on port {}: {} ignored", port, cm.eventName(type));
                return false;
        }
    }

    private boolean accept(final MemorySegment event, final MemorySegment id)
    {
        if (!RdmaCm.deviceContext(id).equals(context))
        {
            LOG.warn("rdma listener on port {}: connect request on another device, rejected", port);
            reject(id);
            return false;
        }
        final ServerSession session = acceptor.onConnectRequest(RdmaCm.privateData(event));
        if (session == null)
        {
            LOG.debug("rdma listener on port {}: connect request with an unknown token, rejected", port);
            reject(id);
            return false;
        }
        boolean qp = false;
        try
        {
            cm.createQp(id, pd, cq, 1);
            qp = true;
            cm.accept(id);
        }
        catch (final VerbsException ex)
        {
            LOG.warn("rdma listener on port {}: cannot accept: {}", port, ex.getMessage());
            if (qp)
            {
                cm.destroyQp(id);
            }
            acceptor.onDisconnected(session);
            return false;
        }
        sessionsById.put(id.address(), session);
        idsBySession.put(session, id);
        return true;
    }

    private void reject(final MemorySegment id)
    {
        try
        {
            cm.reject(id);
        }
        catch (final VerbsException ex)
        {
            LOG.debug("rdma listener on port {}: {}", port, ex.getMessage());
        }
    }

    private void destroy(final MemorySegment id, final boolean disconnectAndDestroyQp)
    {
        try
        {
            if (disconnectAndDestroyQp)
            {
                try
                {
                    cm.disconnect(id);
                }
                catch (final VerbsException ex)
                {
                    // The peer went first.
                }
                cm.destroyQp(id);
            }
            cm.destroyId(id);
        }
        catch (final VerbsException ex)
        {
            LOG.warn("rdma listener on port {}: {}", port, ex.getMessage());
        }
    }

    @Override
    public void onClose()
    {
        for (final MemorySegment id : idsBySession.values())
        {
            destroy(id, true);
        }
        idsBySession.clear();
        sessionsById.clear();
        destroy(listenId, false);
        cm.destroyEventChannel(channel);
        arena.close();
    }

    @Override
    public void close()
    {
        runner.close();
    }
}
