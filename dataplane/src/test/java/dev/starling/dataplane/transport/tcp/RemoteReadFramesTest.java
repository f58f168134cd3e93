package dev.starling.dataplane.transport.tcp;

import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.testkit.NginxOrigin;
import dev.starling.dataplane.transport.FilePieceSource;
import dev.starling.dataplane.transport.PieceProtocol;
import dev.starling.dataplane.transport.PieceServer;
import dev.starling.dataplane.transport.PieceStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A TCP piece server without a remote-read extension meets a client that offers remote reads: it refuses the
 * HELLO, answers requests that ask for a remote read in-band, and ignores RELEASE frames, so the client carries on
 * over TCP (docs/rdma.md).
 */
@Timeout(60)
class RemoteReadFramesTest
{
    @TempDir
    Path tmp;

    private TcpTransport transport;
    private FilePieceSource source;
    private PieceServer server;
    private final byte[] taskId = new byte[32];
    private PieceLayout layout;

    @BeforeEach
    void start() throws Exception
    {
        taskId[0] = 7;
        layout = PieceLayout.of(2L * 65536, 65536);
        source = new FilePieceSource();
        source.add(taskId, NginxOrigin.writeRandomFile(tmp.resolve("c"), layout.contentLengthBytes(), 1), layout, 0, 1);
        transport = TcpTransport.open("nio", 1, 64);
        server = transport.startServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), source);
    }

    @AfterEach
    void stop() throws Exception
    {
        server.close();
        transport.close();
        source.close();
    }

    @Test
    void shouldRefuseHelloAndAnswerRemoteReadRequestsInBand() throws Exception
    {
        try (Socket s = new Socket())
        {
            s.connect(server.localAddress(), 5000);
            s.setSoTimeout(10_000);
            final OutputStream out = s.getOutputStream();
            final DataInputStream in = new DataInputStream(s.getInputStream());
            final ByteBuf frames = Unpooled.buffer();
            PieceProtocol.writeHello(frames, 4);
            PieceProtocol.writeRelease(frames, 12345);
            PieceProtocol.writeRequest(frames, 77, taskId, 1, PieceProtocol.FLAG_REMOTE_READ);
            out.write(frames.array(), frames.arrayOffset(), frames.readableBytes());
            out.flush();

            final byte[] ack = new byte[PieceProtocol.HEADER_LENGTH + PieceProtocol.HELLO_ACK_BODY_LENGTH];
            in.readFully(ack);
            final ByteBuf a = Unpooled.wrappedBuffer(ack);
            assertEquals(PieceProtocol.TYPE_HELLO_ACK, PieceProtocol.type(a, 0));
            assertEquals(PieceProtocol.EXTENSION_VERSION, a.getUnsignedByte(PieceProtocol.HEADER_LENGTH));
            assertEquals(PieceProtocol.HELLO_UNSUPPORTED, a.getUnsignedByte(PieceProtocol.HEADER_LENGTH + 1));

            final byte[] head = new byte[PieceProtocol.HEADER_LENGTH + PieceProtocol.RESPONSE_PREFIX_LENGTH];
            in.readFully(head);
            final ByteBuf h = Unpooled.wrappedBuffer(head);
            assertEquals(PieceProtocol.TYPE_RESPONSE, PieceProtocol.type(h, 0));
            assertEquals(0, PieceProtocol.flags(h, 0), "answered in-band");
            assertEquals(77, PieceProtocol.requestId(h, 0));
            assertEquals(PieceStatus.OK.code(), h.getUnsignedByte(PieceProtocol.HEADER_LENGTH));
            assertEquals(PieceProtocol.RESPONSE_PREFIX_LENGTH + layout.pieceLength(1), PieceProtocol.bodyLength(h, 0));
            in.readFully(new byte[layout.pieceLength(1)]);
        }
    }
}
