package dev.starling.rdma;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.transport.PeerConnection;
import dev.starling.dataplane.transport.PieceServer;
import dev.starling.dataplane.transport.PieceSource;
import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.Transports;
import dev.starling.dataplane.transport.tcp.TcpTransport;
import dev.starling.rdma.verbs.Availability;
import dev.starling.rdma.verbs.RdmaLibraries;
import org.agrona.concurrent.AgentRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The RDMA transport provider: pieces move by one-sided RDMA READ out of the parent's registered memory into the
 * child's registered staging memory, and the TCP piece connection stays the control path (requests, descriptors,
 * releases: the remote-read extension of the piece protocol, {@code docs/rdma.md}). Every connection starts as a
 * TCP connection and offers remote reads; a parent without them, or any verbs failure, leaves it a plain TCP
 * connection, logged once and counted ({@link Transports#recordFallback}). The server answers plain TCP clients
 * as the TCP provider does.
 * <p>
 * Threads: the TCP provider's event loops (control path, posting READs, delivering pieces), one completion agent
 * (polls the shared completion queue: busy-spin or backoff), one listener agent per server (rdma_cm events), and
 * connect threads (rdma_cm's blocking connects and tear-downs, one per set-up in progress).
 */
public final class RdmaTransport implements TransportProvider
{
    private static final Logger LOG = LoggerFactory.getLogger(RdmaTransport.class);
    /** Responses a control connection queues before the server answers BUSY (as the TCP provider). */
    private static final int MAX_PENDING_RESPONSES = 256;

    private final Fabric fabric;
    private final TcpTransport tcp;
    private final StagingPool pool;
    private final AgentRunner completions;
    private final ExecutorService connectExecutor;
    private final Registrations registrations;
    private final RdmaClient client;
    private final Set<RdmaServer> servers = ConcurrentHashMap.newKeySet();

    private RdmaTransport(final RdmaContext ctx, final Fabric fabric, final TcpTransport tcp)
    {
        this.fabric = fabric;
        this.tcp = tcp;
        pool = new StagingPool(fabric, ctx.stagingBytes(), ctx.chunkBytes());
        final CompletionAgent agent = new CompletionAgent(fabric, pool);
        completions = new AgentRunner(ctx.newIdleStrategy(),
            ex -> LOG.warn("rdma completion agent: {}", ex.toString()), null, agent);
        AgentRunner.startOnThread(completions, RdmaTransport::daemonThread);
        // A thread per set-up or tear-down in progress: one peer whose rdma_cm connect hangs must not hold up
        // the others.
        connectExecutor = Executors.newCachedThreadPool(r ->
        {
            final Thread t = daemonThread(r);
            t.setName("starling-rdma-connect");
            return t;
        });
        registrations = new Registrations(fabric, ctx.registeredBytes());
        client = new RdmaClient(ctx, fabric, pool, agent, connectExecutor);
    }

    private static Thread daemonThread(final Runnable r)
    {
        final Thread t = new Thread(r);
        t.setDaemon(true);
        return t;
    }

    /**
     * Opens the provider on this machine's RDMA device.
     *
     * @param engine  the TCP engine of the control path ({@code auto} for the best).
     * @param threads I/O threads of the control path.
     * @return the provider; caller owns it.
     * @throws StarlingException {@link ErrorCode#BAD_CONFIG} when RDMA is unavailable here (the message says why)
     *                           or a setting is invalid.
     */
    public static RdmaTransport open(final String engine, final int threads)
    {
        final RdmaContext ctx = new RdmaContext().conclude();
        final Availability availability = RdmaLibraries.availability();
        if (!(availability instanceof Availability.Available available))
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "RDMA is unavailable here: " + availability);
        }
        final Fabric fabric;
        try
        {
            fabric = new VerbsFabric(available, ctx, (int)(ctx.stagingBytes() / ctx.chunkBytes()) + 64);
        }
        catch (final RuntimeException ex)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "cannot open the RDMA device: " + ex.getMessage(), ex);
        }
        return open(ctx, fabric, engine, threads);
    }

    /**
     * Opens the provider on a given fabric (tests use an in-process one).
     *
     * @param ctx     concluded settings.
     * @param fabric  the fabric; ownership transfers.
     * @param engine  the TCP engine of the control path.
     * @param threads I/O threads of the control path.
     * @return the provider; caller owns it.
     */
    static RdmaTransport open(final RdmaContext ctx, final Fabric fabric, final String engine, final int threads)
    {
        TcpTransport tcp = null;
        try
        {
            tcp = TcpTransport.open(engine, threads, MAX_PENDING_RESPONSES);
            final RdmaTransport transport = new RdmaTransport(ctx, fabric, tcp);
            LOG.info("piece transport: RDMA on {} ({} staging slots of {} bytes), control path {}",
                fabric.deviceName(), transport.pool.capacity(), ctx.chunkBytes(), tcp.name());
            return transport;
        }
        catch (final RuntimeException ex)
        {
            if (tcp != null)
            {
                tcp.close();
            }
            fabric.close();
            throw ex;
        }
    }

    /**
     * @return the pieces this provider's servers keep registered.
     */
    Registrations registrations()
    {
        return registrations;
    }

    @Override
    public String name()
    {
        return "rdma-" + fabric.deviceName();
    }

    @Override
    public PieceServer startServer(final InetSocketAddress bind, final PieceSource source)
    {
        RdmaServer rdma = null;
        try
        {
            rdma = new RdmaServer(fabric, bind, registrations);
        }
        catch (final RuntimeException ex)
        {
            Transports.recordFallback(Transports.RDMA, Transports.TCP, "listen-failed",
                "cannot accept remote reads on " + bind.getAddress() + " (serving in-band only): " + ex.getMessage());
        }
        final RdmaServer remoteReads = rdma;
        final PieceServer server;
        try
        {
            server = tcp.startServer(bind, source, remoteReads);
        }
        catch (final RuntimeException ex)
        {
            if (remoteReads != null)
            {
                remoteReads.close();
            }
            throw ex;
        }
        if (remoteReads != null)
        {
            servers.add(remoteReads);
            LOG.info("remote reads of pieces served on {} accepted on rdma_cm port {}", server.localAddress(),
                remoteReads.port());
        }
        return new PieceServer()
        {
            @Override
            public InetSocketAddress localAddress()
            {
                return server.localAddress();
            }

            @Override
            public void close()
            {
                server.close();
                if (remoteReads != null && servers.remove(remoteReads))
                {
                    remoteReads.close();
                }
            }
        };
    }

    @Override
    public CompletableFuture<PeerConnection> connect(final InetSocketAddress peer)
    {
        return tcp.connect(peer, client);
    }

    /**
     * Offers remote reads only to a peer that announced an RDMA device to the scheduler; any other gets a plain TCP
     * piece connection at once, without the offer's round trip.
     */
    @Override
    public CompletableFuture<PeerConnection> connect(final InetSocketAddress peer, final boolean peerOffersRemoteReads)
    {
        return peerOffersRemoteReads ? tcp.connect(peer, client) : tcp.connect(peer);
    }

    @Override
    public String remoteReadDevice()
    {
        return fabric.deviceName();
    }

    /**
     * Closes every connection and any server still open, then the RDMA resources in the order the device needs:
     * queue pairs, then registrations and staging memory, then the completion queue and protection domain.
     */
    @Override
    public void close()
    {
        tcp.close();
        connectExecutor.shutdown();
        try
        {
            if (!connectExecutor.awaitTermination(10, TimeUnit.SECONDS))
            {
                LOG.warn("rdma: connections still closing after 10 s");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        for (final RdmaServer server : servers)
        {
            if (servers.remove(server))
            {
                closeQuietly(server, "an rdma_cm listener");
            }
        }
        completions.close();
        closeQuietly(registrations, "the registered pieces");
        closeQuietly(pool, "the staging pool");
        closeQuietly(fabric, "the device's completion queue and protection domain");
    }

    private static void closeQuietly(final AutoCloseable resource, final String what)
    {
        try
        {
            resource.close();
        }
        catch (final Exception ex)
        {
            // A device that refuses (EBUSY: something still uses it) must not stop the rest of the shutdown.
            LOG.warn("rdma: cannot release {}: {}", what, ex.toString());
        }
    }
}
