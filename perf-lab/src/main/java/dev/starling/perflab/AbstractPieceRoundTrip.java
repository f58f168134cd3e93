package dev.starling.perflab;

import dev.starling.dataplane.transport.PeerConnection;
import dev.starling.dataplane.transport.PieceServer;
import dev.starling.dataplane.transport.TransportProvider;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Piece requests over loopback, end to end, on the transports a subclass opens (JMH runs the {@code @Benchmark}
 * methods of this class once per concrete subclass, under the subclass's name): {@link PeerConnection#requestPiece}
 * from the benchmark thread, the
 * server's lookup, its 52-byte head and the piece by file region (sendfile/splice), and the client streaming the
 * bytes to a counting receiver; a request ends when {@code onPieceEnd} has run.
 * <ul>
 *   <li>{@link #requestPiece}: one request in flight at a time, so the latency-bound rate of a single
 *   connection;</li>
 *   <li>{@link #pipelined}: {@value #PIPELINE_DEPTH} requests in flight on the one connection (a swarm download's
 *   per-parent limit at the default {@code --peer-concurrency} of 16): its throughput. Each op makes a request and
 *   waits for the oldest one to end.</li>
 * </ul>
 * Each request's latency, from the call to {@code requestPiece} to {@code onPieceEnd} on the client's I/O thread,
 * goes into an HdrHistogram ({@link LatencyRecorder}, measurement iterations only) printed at the end of the trial:
 * with {@code pipelined} it includes the wait behind the requests ahead of it.
 * <p>
 * Server and client are two providers of one I/O thread each; the piece comes from a {@link SinglePieceSource} over
 * a temporary file (in the page cache after the first op). The benchmark thread waits by spinning, then yielding, on the request's receiver: it allocates nothing per op itself,
 * so {@code gc.alloc.rate.norm} (which counts every thread of the fork, I/O threads included) is the transport's.
 * Forks run with the production JVM flags (the root pom's, through {@code perf-lab/run}), so Netty's leak detector
 * is at the production level, its default SIMPLE: it samples about one buffer in 128, and what it records shows in
 * {@code gc.alloc.rate.norm}. Add {@code -jvmArgsAppend -Dio.netty.leakDetection.level=disabled} to leave it out.
 * <p>
 * Secondary result {@code megabytes}: piece bytes received per second in MB (10^6 bytes).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public abstract class AbstractPieceRoundTrip
{
    private static final long ANSWER_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long CONNECT_TIMEOUT_S = 10;
    private static final double BYTES_PER_MEGABYTE = 1_000_000.0;
    /** Requests in flight in {@link #pipelined}: {@code SwarmDownload}'s per-parent limit, peer concurrency / 2. */
    static final int PIPELINE_DEPTH = 8;

    /** Length of the one piece served: 64 KiB and 4 MiB (the smallest default piece). */
    @Param({"65536", "4194304"})
    public int pieceLengthBytes;

    private final byte[] taskId = new byte[32];
    private final CountingPieceReceiver receiver = new CountingPieceReceiver();
    private Path dataDir;
    private SinglePieceSource source;
    private TransportProvider serverTransport;
    private TransportProvider clientTransport;
    private PieceServer server;
    private PeerConnection connection;
    private final long[] startNs = new long[CountingPieceReceiver.SLOTS];
    private final LatencyRecorder latency = new LatencyRecorder();
    private long requests;

    /**
     * Piece bytes received, reported per second as a secondary result (JMH labels its unit ops/s: read MB/s).
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Received
    {
        /** MB (10^6 bytes) received in this iteration. */
        public double megabytes;

        /**
         * Starts each iteration's count at zero.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            megabytes = 0;
        }
    }

    /**
     * Writes the piece file, starts the server and connects the client, both on loopback.
     *
     * @throws Exception when the engine is unavailable here or the client cannot connect; the setup undoes itself.
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        try
        {
            dataDir = BenchStores.newDataDir();
            ThreadLocalRandom.current().nextBytes(taskId);
            source = SinglePieceSource.create(dataDir.resolve("piece"), taskId, pieceLengthBytes);
            serverTransport = openServerTransport();
            clientTransport = openClientTransport();
            server = serverTransport.startServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), source);
            connection = connect(clientTransport, server.localAddress()).get(CONNECT_TIMEOUT_S, TimeUnit.SECONDS);
        }
        catch (final Exception | Error ex)
        {
            tearDown();
            throw ex;
        }
    }

    /**
     * Opens the provider the piece server runs on, with one I/O thread.
     *
     * @return the provider; the benchmark owns it and closes it at the end of the trial.
     * @throws EngineUnavailableException when it cannot run on this machine (JMH then goes on with the next
     *                                    parameters).
     */
    protected abstract TransportProvider openServerTransport();

    /**
     * Opens the provider the client connects through, with one I/O thread.
     *
     * @return the provider; the benchmark owns it and closes it at the end of the trial.
     * @throws EngineUnavailableException as {@link #openServerTransport}.
     */
    protected abstract TransportProvider openClientTransport();

    /**
     * Connects the client to the server: {@link TransportProvider#connect(InetSocketAddress)} unless overridden.
     *
     * @param client the client's provider.
     * @param server the server's address.
     * @return the connection, when connected; the benchmark owns it.
     */
    protected CompletableFuture<PeerConnection> connect(final TransportProvider client, final InetSocketAddress server)
    {
        return client.connect(server);
    }

    /**
     * Closes the connection, the server, both transports and the piece file, and deletes the data dir.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        try
        {
            if (connection != null)
            {
                connection.close();
            }
            if (server != null)
            {
                server.close();
            }
            if (clientTransport != null)
            {
                clientTransport.close();
            }
            if (serverTransport != null)
            {
                serverTransport.close();
            }
            if (source != null)
            {
                source.close();
            }
        }
        finally
        {
            connection = null;
            server = null;
            clientTransport = null;
            serverTransport = null;
            source = null;
            BenchStores.deleteTree(dataDir);
            dataDir = null;
        }
    }

    /**
     * Starts the latency histogram afresh at the first measurement iteration.
     *
     * @param iteration the iteration about to run.
     */
    @Setup(Level.Iteration)
    public void startIteration(final IterationParams iteration)
    {
        latency.onIteration(iteration);
    }

    /**
     * Prints the request latency percentiles of the trial.
     *
     * @param benchmark the trial's benchmark and parameters.
     */
    @TearDown(Level.Trial)
    public void report(final BenchmarkParams benchmark)
    {
        latency.report(benchmark);
    }

    /**
     * Requests the piece and waits until the receiver has counted its last byte.
     *
     * @param received the MB counter.
     */
    @Benchmark
    public void requestPiece(final Received received)
    {
        final long request = request();
        awaitEnd(request, received);
    }

    /**
     * Requests the piece with {@value #PIPELINE_DEPTH} - 1 requests already in flight, and waits until the oldest of
     * them has ended (from the trial's {@value #PIPELINE_DEPTH}th op on; the first ones only fill the pipeline).
     *
     * @param received the MB counter.
     */
    @Benchmark
    public void pipelined(final Received received)
    {
        final long oldest = request() - (PIPELINE_DEPTH - 1);
        if (oldest > 0)
        {
            awaitEnd(oldest, received);
        }
    }

    private long request()
    {
        final long request = ++requests;
        startNs[(int)request & (CountingPieceReceiver.SLOTS - 1)] = System.nanoTime();
        connection.requestPiece(taskId, 0, receiver.forRequest(request));
        return request;
    }

    private void awaitEnd(final long request, final Received received)
    {
        final long bytes = receiver.awaitEnded(request, ANSWER_TIMEOUT_NS);
        if (bytes != pieceLengthBytes)
        {
            throw new IllegalStateException("received " + bytes + " bytes of a " + pieceLengthBytes + "-byte piece");
        }
        final int slot = (int)request & (CountingPieceReceiver.SLOTS - 1);
        latency.record(receiver.endNs(request) - startNs[slot]);
        received.megabytes += bytes / BYTES_PER_MEGABYTE;
    }

    /**
     * The engine asked for is not available on this machine: a skip, not a failure, so it carries no stack trace.
     */
    public static final class EngineUnavailableException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        /**
         * @param message which engine, and why it cannot run here.
         */
        public EngineUnavailableException(final String message)
        {
            super(message, null, false, false);
        }
    }
}
