package dev.starling.rdma;

import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.TransportTestKit;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transport test kit against the RDMA provider with the in-process {@link LoopbackFabric} in place of a
 * device: every remote-read session, lease, staging slot and completion path runs as on a device, and only the
 * verbs calls themselves are replaced. Small chunks, so a piece takes many READs.
 */
class LoopbackRdmaTransportTest extends TransportTestKit
{
    private final List<LoopbackFabric> fabrics = new ArrayList<>();

    static RdmaContext smallContext()
    {
        return new RdmaContext()
            .chunkBytes(64 << 10)
            .readsInFlight(4)
            .stagingBytes(8L << 20)
            .registeredBytes(256L << 20)
            .conclude();
    }

    @Override
    protected TransportProvider newProvider()
    {
        final LoopbackFabric fabric = new LoopbackFabric();
        fabrics.add(fabric);
        return RdmaTransport.open(smallContext(), fabric, "nio", 1);
    }

    @AfterEach
    void piecesWentByRemoteRead()
    {
        long reads = 0;
        for (final LoopbackFabric f : fabrics)
        {
            reads += f.reads.get();
        }
        assertTrue(reads > 0, "no piece was read remotely");
    }
}
