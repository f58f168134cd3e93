package dev.starling.rdma;

import dev.starling.dataplane.transport.RemoteReadClient;
import dev.starling.dataplane.transport.Transports;
import io.netty.channel.Channel;

import java.util.concurrent.ExecutorService;

/**
 * The child's side of the provider, shared by its connections: the fabric, the staging pool, the completion agent,
 * and the threads that run rdma_cm's blocking connects and tear-downs. Thread-safe.
 */
final class RdmaClient implements RemoteReadClient
{
    private final RdmaContext ctx;
    private final Fabric fabric;
    private final StagingPool pool;
    private final CompletionAgent agent;
    private final ExecutorService connectExecutor;

    RdmaClient(
        final RdmaContext ctx,
        final Fabric fabric,
        final StagingPool pool,
        final CompletionAgent agent,
        final ExecutorService connectExecutor)
    {
        this.ctx = ctx;
        this.fabric = fabric;
        this.pool = pool;
        this.agent = agent;
        this.connectExecutor = connectExecutor;
    }

    @Override
    public Session openClient(final Channel channel)
    {
        return new ClientSession(this, channel);
    }

    RdmaContext context()
    {
        return ctx;
    }

    Fabric fabric()
    {
        return fabric;
    }

    StagingPool pool()
    {
        return pool;
    }

    CompletionAgent agent()
    {
        return agent;
    }

    ExecutorService connectExecutor()
    {
        return connectExecutor;
    }

    /**
     * A connection, or its later pieces, go to TCP instead of RDMA: logged once per kind, counted every time.
     *
     * @param kind   e.g. {@code peer-refused}.
     * @param reason what happened.
     */
    void fallback(final String kind, final String reason)
    {
        Transports.recordFallback(Transports.RDMA, Transports.TCP, kind, reason);
    }
}
