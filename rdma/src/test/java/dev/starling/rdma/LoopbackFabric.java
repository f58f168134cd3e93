package dev.starling.rdma;

import dev.starling.rdma.verbs.Errno;
import dev.starling.rdma.verbs.Structs;
import dev.starling.rdma.verbs.VerbsException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Fabric} inside one JVM, for machines without an RDMA device: listeners are found by port in a static
 * table, a READ copies from the registered segment the rkey names (checking the key and the bounds as a device
 * would: a bad one completes with {@code IBV_WC_REM_ACCESS_ERR} and breaks the connection), and completions arrive
 * on the completion agent's thread through a queue. Everything above the fabric runs as it does on a device.
 */
final class LoopbackFabric implements Fabric
{
    private static final int WC_REM_ACCESS_ERR = 10;
    private static final int WC_WR_FLUSH_ERR = 5;
    private static final Map<Integer, LoopListener> LISTENERS = new ConcurrentHashMap<>();
    private static final Map<Integer, MemorySegment> REGISTERED = new ConcurrentHashMap<>();
    private static final AtomicInteger KEYS = new AtomicInteger(1);
    private static final AtomicInteger PORTS = new AtomicInteger(40000);

    private final ConcurrentLinkedQueue<long[]> completions = new ConcurrentLinkedQueue<>();
    /** READs performed through this fabric's endpoints. */
    final AtomicLong reads = new AtomicLong();
    /** Connect requests fail with ECONNREFUSED while set. */
    volatile boolean refuseConnects;
    /** The next READ completes with a remote access error while set. */
    volatile boolean failNextRead;

    @Override
    public String deviceName()
    {
        return "loopback0";
    }

    @Override
    public RemoteRegion registerForRemoteRead(final MemorySegment memory)
    {
        final int rkey = KEYS.getAndIncrement();
        REGISTERED.put(rkey, memory);
        return new RemoteRegion()
        {
            @Override
            public long address()
            {
                return memory.address();
            }

            @Override
            public int rkey()
            {
                return rkey;
            }

            @Override
            public void close()
            {
                REGISTERED.remove(rkey);
            }
        };
    }

    @Override
    public LocalRegion allocateLocal(final long bytes)
    {
        final Arena arena = Arena.ofShared();
        final MemorySegment memory = arena.allocate(bytes, 4096);
        final int lkey = KEYS.getAndIncrement();
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
                return lkey;
            }

            @Override
            public void close()
            {
                arena.close();
            }
        };
    }

    @Override
    public Listener listen(final InetSocketAddress bind, final Acceptor acceptor)
    {
        final LoopListener listener = new LoopListener(PORTS.getAndIncrement(), acceptor);
        LISTENERS.put(listener.port, listener);
        return listener;
    }

    @Override
    public Endpoint connect(final InetSocketAddress peer, final byte[] privateData, final int readsInFlight)
    {
        if (refuseConnects)
        {
            throw new VerbsException("rdma_connect", 111, "refused by the test");
        }
        final LoopListener listener = LISTENERS.get(peer.getPort());
        if (listener == null)
        {
            throw new VerbsException("rdma_resolve_addr", Errno.ETIMEDOUT, peer.toString());
        }
        final ServerSession session = listener.acceptor.onConnectRequest(privateData);
        if (session == null)
        {
            throw new VerbsException("rdma_connect", 111, "rejected");
        }
        final LoopEndpoint endpoint = new LoopEndpoint(listener, session);
        listener.endpoints.put(session, endpoint);
        listener.acceptor.onEstablished(session);
        return endpoint;
    }

    @Override
    public int pollCompletions(final CompletionHandler handler)
    {
        int n = 0;
        long[] c;
        while ((c = completions.poll()) != null)
        {
            handler.onCompletion(c[0], (int)c[1], (int)c[2]);
            n++;
        }
        return n;
    }

    @Override
    public String describeStatus(final int status)
    {
        return Structs.wcStatusName(status);
    }

    @Override
    public void close()
    {
    }

    private final class LoopEndpoint implements Endpoint
    {
        private final LoopListener listener;
        private final ServerSession session;
        private volatile boolean connected = true;

        LoopEndpoint(final LoopListener listener, final ServerSession session)
        {
            this.listener = listener;
            this.session = session;
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
            int status = 0;
            final MemorySegment source = REGISTERED.get(rkey);
            if (!connected)
            {
                status = WC_WR_FLUSH_ERR;
            }
            else if (failNextRead || source == null || remoteAddress < source.address() ||
                remoteAddress + length > source.address() + source.byteSize())
            {
                failNextRead = false;
                status = WC_REM_ACCESS_ERR;
                connected = false; // a device moves the queue pair to the error state
            }
            else
            {
                MemorySegment.copy(source, remoteAddress - source.address(),
                    MemorySegment.ofAddress(localAddress).reinterpret(length), 0, length);
                reads.incrementAndGet();
            }
            completions.add(new long[] {wrId, status, status == 0 ? length : 0});
            return 0;
        }

        @Override
        public void close()
        {
            connected = false;
            if (listener.endpoints.remove(session, this))
            {
                listener.acceptor.onDisconnected(session);
            }
        }
    }

    private static final class LoopListener implements Listener
    {
        final int port;
        final Acceptor acceptor;
        final Map<ServerSession, LoopEndpoint> endpoints = new ConcurrentHashMap<>();

        LoopListener(final int port, final Acceptor acceptor)
        {
            this.port = port;
            this.acceptor = acceptor;
        }

        @Override
        public int port()
        {
            return port;
        }

        @Override
        public void disconnect(final ServerSession session)
        {
            final LoopEndpoint endpoint = endpoints.remove(session);
            if (endpoint != null)
            {
                endpoint.connected = false;
                acceptor.onDisconnected(session);
            }
        }

        @Override
        public void close()
        {
            LISTENERS.remove(port);
            for (final ServerSession session : endpoints.keySet())
            {
                disconnect(session);
            }
        }
    }
}
