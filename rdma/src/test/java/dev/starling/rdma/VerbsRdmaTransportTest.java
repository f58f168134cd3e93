package dev.starling.rdma;

import dev.starling.dataplane.transport.TransportProvider;
import dev.starling.dataplane.transport.TransportTestKit;
import dev.starling.rdma.verbs.Availability;
import dev.starling.rdma.verbs.RdmaLibraries;
import org.junit.jupiter.api.BeforeAll;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The transport test kit against the RDMA provider on this machine's RDMA device (InfiniBand, RoCE, or soft-RoCE:
 * {@code rdma link add rxe0 type rxe netdev eth0}). Where there is none, every test is reported as skipped with the
 * reason (which probe failed, with its errno), and the reason is printed once.
 */
class VerbsRdmaTransportTest extends TransportTestKit
{
    @BeforeAll
    static void printAvailability()
    {
        final Availability availability = RdmaLibraries.availability();
        System.out.println("VerbsRdmaTransportTest: " + (availability.available() ? "running on " + availability :
            "skipped, RDMA unavailable here: " + availability));
    }

    @Override
    protected TransportProvider newProvider()
    {
        final Availability availability = RdmaLibraries.availability();
        assumeTrue(availability.available(), () -> "RDMA unavailable here: " + availability);
        return RdmaTransport.open("auto", 1);
    }
}
