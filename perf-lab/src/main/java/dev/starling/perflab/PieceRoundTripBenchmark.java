package dev.starling.perflab;

import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.tcp.TcpTransport;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import org.openjdk.jmh.annotations.Param;

/**
 * The piece round trip ({@link AbstractPieceRoundTrip}: one request in flight, and {@value #PIPELINE_DEPTH} in
 * flight) over the TCP provider: server and client are two {@link TcpTransport}s of one I/O thread each on the
 * Netty engine in {@link #transport}. When io_uring (or epoll) is unavailable, that engine's setup fails with the
 * reason and JMH goes on with the next one; pass {@code -p transport=nio,epoll} to leave it out.
 */
public class PieceRoundTripBenchmark extends AbstractPieceRoundTrip
{
    /** Responses the server queues per connection before answering BUSY: at most PIPELINE_DEPTH are in flight. */
    static final int MAX_PENDING_RESPONSES = 16;

    /** The Netty engine, as {@link TcpTransport#open} names it. */
    @Param({"nio", "epoll", "io_uring"})
    public String transport;

    @Override
    protected TransportProvider openServerTransport()
    {
        return openTcp(transport);
    }

    @Override
    protected TransportProvider openClientTransport()
    {
        return openTcp(transport);
    }

    /**
     * Opens a TCP provider of one I/O thread on an engine, or says why the engine cannot run here.
     *
     * @param engine {@code nio}, {@code epoll} or {@code io_uring}.
     * @return the provider; caller owns it.
     * @throws EngineUnavailableException when the engine is unavailable on this machine.
     */
    static TcpTransport openTcp(final String engine)
    {
        final Throwable cause;
        switch (engine)
        {
            case "io_uring":
                cause = IoUring.isAvailable() ? null : IoUring.unavailabilityCause();
                break;
            case "epoll":
                cause = Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
                break;
            default:
                cause = null;
        }
        if (cause != null)
        {
            throw new EngineUnavailableException("skipping transport=" + engine + ": unavailable here (" + cause +
                "); pass -p transport=... to leave it out");
        }
        return TcpTransport.open(engine, 1, MAX_PENDING_RESPONSES);
    }
}
