package dev.starling.rdma;

import dev.starling.rdma.verbs.Availability;
import dev.starling.rdma.verbs.CompletionPoller;
import dev.starling.rdma.verbs.Errno;
import dev.starling.rdma.verbs.IbVerbs;
import dev.starling.rdma.verbs.PostRead;
import dev.starling.rdma.verbs.RdmaCm;
import dev.starling.rdma.verbs.Structs;
import dev.starling.rdma.verbs.VerbsException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The {@link Fabric} on rdma-core: one device context (rdma_cm's), one protection domain, one completion queue
 * that every queue pair of the provider shares. Client connections are synchronous rdma_cm ids (resolve, route and
 * connect block on the calling thread); listeners run a {@link CmListener} agent.
 */
final class VerbsFabric implements Fabric
{
    private static final int POLL_BATCH = 32;

    private final IbVerbs verbs;
    private final RdmaCm cm;
    private final RdmaContext ctx;
    private final MemorySegment context;
    private final String deviceName;
    private final MemorySegment pd;
    private final MemorySegment cq;
    private final CompletionPoller poller;

    /**
     * @param available  the loaded libraries.
     * @param ctx        concluded settings.
     * @param cqEntries  completions the queue must hold: every READ that can be posted at once.
     * @throws VerbsException when the device cannot be opened.
     */
    VerbsFabric(final Availability.Available available, final RdmaContext ctx, final int cqEntries)
    {
        this.verbs = available.verbs();
        this.cm = available.cm();
        this.ctx = ctx;
        final List<MemorySegment> contexts = cm.devices();
        final int index = ctx.device().isEmpty() ? 0 : available.devices().indexOf(ctx.device());
        if (index < 0)
        {
            throw new VerbsException("rdma_get_devices", Errno.ENODEV, "no device named '" + ctx.device() +
                "' (present: " + available.devices() + ")");
        }
        context = contexts.get(index);
        deviceName = available.devices().get(index);
        pd = verbs.allocPd(context);
        MemorySegment q = null;
        try
        {
            q = verbs.createCq(context, cqEntries);
            poller = new CompletionPoller(q, POLL_BATCH);
        }
        catch (final RuntimeException ex)
        {
            if (q != null)
            {
                verbs.destroyCq(q);
            }
            verbs.deallocPd(pd);
            throw ex;
        }
        cq = q;
    }

    @Override
    public String deviceName()
    {
        return deviceName;
    }

    @Override
    public RemoteRegion registerForRemoteRead(final MemorySegment memory)
    {
        final IbVerbs.MemoryRegion mr = verbs.regMr(pd, memory, Structs.IBV_ACCESS_REMOTE_READ);
        return new RemoteRegion()
        {
            @Override
            public long address()
            {
                return mr.address();
            }

            @Override
            public int rkey()
            {
                return mr.rkey();
            }

            @Override
            public void close()
            {
                verbs.deregMr(mr.mr());
            }
        };
    }

    @Override
    public LocalRegion allocateLocal(final long bytes)
    {
        final Arena arena = Arena.ofShared();
        final IbVerbs.MemoryRegion mr;
        final MemorySegment memory;
        try
        {
            memory = arena.allocate(bytes, 4096);
            mr = verbs.regMr(pd, memory, Structs.IBV_ACCESS_LOCAL_WRITE);
        }
        catch (final RuntimeException ex)
        {
            arena.close();
            throw ex;
        }
        return new LocalRegion()
        {
            @Override
            public MemorySegment memory()
            {
                return memory;
            }

            @Override
            public int lkey()
            {
                return mr.lkey();
            }

            @Override
            public void close()
            {
                try
                {
                    verbs.deregMr(mr.mr());
                }
                finally
                {
                    arena.close();
                }
            }
        };
    }

    @Override
    public Listener listen(final InetSocketAddress bind, final Acceptor acceptor)
    {
        return CmListener.start(cm, context, pd, cq, bind, acceptor);
    }

    @Override
    public Endpoint connect(final InetSocketAddress peer, final byte[] privateData, final int readsInFlight)
    {
        final MemorySegment id = cm.createId(MemorySegment.NULL);
        boolean qp = false;
        try
        {
            cm.resolve(id, peer, ctx.resolveTimeoutMs());
            if (!RdmaCm.deviceContext(id).equals(context))
            {
                throw new VerbsException("rdma_resolve_addr", Errno.ENODEV, peer + " is reached through " +
                    cm.deviceName(RdmaCm.deviceContext(id)) + ", not " + deviceName);
            }
            cm.createQp(id, pd, cq, readsInFlight);
            qp = true;
            cm.connect(id, privateData);
            return new VerbsEndpoint(id, new PostRead(RdmaCm.qp(id)));
        }
        catch (final RuntimeException ex)
        {
            if (qp)
            {
                cm.destroyQp(id);
            }
            cm.destroyId(id);
            throw ex;
        }
    }

    @Override
    public int pollCompletions(final CompletionHandler handler)
    {
        final int n = poller.poll();
        for (int i = 0; i < n; i++)
        {
            handler.onCompletion(poller.wrId(i), poller.status(i), poller.byteLength(i));
        }
        return n;
    }

    @Override
    public String describeStatus(final int status)
    {
        return verbs.describeWcStatus(status);
    }

    @Override
    public void close()
    {
        poller.close();
        verbs.destroyCq(cq);
        verbs.deallocPd(pd);
    }

    /**
     * A connected synchronous id and its reusable READ.
     */
    private final class VerbsEndpoint implements Endpoint
    {
        private final MemorySegment id;
        private final PostRead post;

        VerbsEndpoint(final MemorySegment id, final PostRead post)
        {
            this.id = id;
            this.post = post;
        }

        @Override
        public int postRead(
            final long wrId,
            final long localAddress,
            final int lkey,
            final int length,
            final long remoteAddress,
            final int rkey)
        {
            return post.post(wrId, localAddress, lkey, length, remoteAddress, rkey);
        }

        @Override
        public void close()
        {
            try
            {
                cm.disconnect(id);
            }
            catch (final VerbsException ex)
            {
                // Already disconnected by the peer: nothing to undo.
            }
            cm.destroyQp(id);
            post.close();
            cm.destroyId(id);
        }
    }
}
