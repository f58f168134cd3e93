package dev.starling.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP relay on {@code 127.0.0.1} in front of a server that lets through at most a set number of bytes from the
 * server (over all connections together), then holds every connection until {@link #open()}: a download that stops
 * part-way for as long as a test needs, then goes on. Client-to-server bytes are never held. Threads of its own; the
 * test closes it.
 */
final class GatedRelay implements AutoCloseable
{
    private static final int CHUNK_BYTES = 64 * 1024;

    private final ServerSocket server;
    private final int targetPort;
    private final long limitBytes;
    private final List<Socket> sockets = new ArrayList<>();
    private long passedBytes;
    private boolean open;

    /**
     * @param targetPort the server's port on 127.0.0.1.
     * @param limitBytes how many server bytes pass before the gate holds.
     */
    GatedRelay(final int targetPort, final long limitBytes) throws IOException
    {
        this.targetPort = targetPort;
        this.limitBytes = limitBytes;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final Thread acceptor = new Thread(this::accept, "gated-relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * @return {@code 127.0.0.1:<port>}.
     */
    String host()
    {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /**
     * @return server bytes let through so far.
     */
    synchronized long passedBytes()
    {
        return passedBytes;
    }

    /**
     * Lets everything through from now on.
     */
    synchronized void open()
    {
        open = true;
        notifyAll();
    }

    private void accept()
    {
        while (!server.isClosed())
        {
            try
            {
                final Socket client = server.accept();
                final Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5_000);
                synchronized (this)
                {
                    sockets.add(client);
                    sockets.add(upstream);
                }
                pipe(client, upstream, false);
                pipe(upstream, client, true);
            }
            catch (final IOException ex)
            {
                // Closed, or the server refused: the client sees its connection end.
            }
        }
    }

    private void pipe(final Socket from, final Socket to, final boolean gated)
    {
        final Thread t = new Thread(() ->
        {
            final byte[] buffer = new byte[CHUNK_BYTES];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream())
            {
                int n;
                while ((n = in.read(buffer)) >= 0)
                {
                    if (gated)
                    {
                        pass(n);
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
            catch (final IOException | InterruptedException ex)
            {
                // One side went away: close both.
            }
            closeQuietly(from);
            closeQuietly(to);
        }, "gated-relay-pipe");
        t.setDaemon(true);
        t.start();
    }

    private synchronized void pass(final int n) throws InterruptedException
    {
        while (!open && passedBytes + n > limitBytes)
        {
            wait();
        }
        passedBytes += n;
    }

    private static void closeQuietly(final Socket socket)
    {
        try
        {
            socket.close();
        }
        catch (final IOException ex)
        {
            // Already closed.
        }
    }

    @Override
    public void close() throws IOException
    {
        open();
        server.close();
        synchronized (this)
        {
            for (final Socket s : sockets)
            {
                closeQuietly(s);
            }
        }
    }
}
