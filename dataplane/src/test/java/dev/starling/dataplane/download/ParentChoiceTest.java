package dev.starling.dataplane.download;

import dev.starling.dataplane.transport.PeerConnection;
import dev.starling.dataplane.transport.PieceReceiver;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@link SwarmDownload#bestParent}: fellow downloaders first, then finished peers, and the seed (whose uplink is the
 * origin's) only for pieces no other live parent holds.
 */
class ParentChoiceTest
{
    private static final int PIECES = 8;
    private static final int PER_PARENT = 4;
    private static final int PIECE = 3;

    private final int[] holders = new int[PIECES];
    private long nextId = 1;

    private SwarmDownload.Parent parent(final boolean seed, final boolean whole, final boolean open)
    {
        final SwarmDownload.Parent p =
            new SwarmDownload.Parent(nextId++, new InetSocketAddress("127.0.0.1", 1), PIECES);
        p.seed = seed;
        p.connection = new FakeConnection(open);
        for (int i = 0; i < PIECES; i++)
        {
            if (whole || i == PIECE)
            {
                p.learn(i, holders);
            }
        }
        return p;
    }

    private static SwarmDownload.Parent choose(final SwarmDownload.Parent... parents)
    {
        return SwarmDownload.bestParent(List.of(parents), PIECE, PIECES, PER_PARENT, System.nanoTime());
    }

    @Test
    void shouldSpreadADownloadsSlotsOverItsFellowParents()
    {
        assertEquals(8, SwarmDownload.perParentLimit(16, 0), "only a seed: half the slots, as with one fellow");
        assertEquals(8, SwarmDownload.perParentLimit(16, 1));
        assertEquals(8, SwarmDownload.perParentLimit(16, 2));
        assertEquals(6, SwarmDownload.perParentLimit(16, 3));
        assertEquals(3, SwarmDownload.perParentLimit(16, 6), "7 nodes and a seed: 16 slots over 6 fellows");
        assertEquals(2, SwarmDownload.perParentLimit(16, 50), "never below 2: one piece arriving, one asked for");
        assertEquals(2, SwarmDownload.perParentLimit(1, 1));
    }

    @Test
    void shouldPreferAFellowDownloaderThenAFinishedPeerThenTheSeed()
    {
        final SwarmDownload.Parent seed = parent(true, true, true);
        final SwarmDownload.Parent finished = parent(false, true, true);
        final SwarmDownload.Parent downloader = parent(false, false, true);
        assertSame(downloader, choose(seed, finished, downloader));
        assertSame(finished, choose(seed, finished));
        assertSame(seed, choose(seed));
    }

    @Test
    void shouldLeaveAPieceToABusyHolderRatherThanAskTheSeed()
    {
        final SwarmDownload.Parent seed = parent(true, true, true);
        final SwarmDownload.Parent downloader = parent(false, false, true);
        downloader.inFlight = PER_PARENT;
        assertNull(choose(seed, downloader), "the seed would send the piece a second time");
        downloader.busyUntilNs = System.nanoTime() + 1_000_000_000L;
        downloader.inFlight = 0;
        assertNull(choose(seed, downloader), "a holder backing off after BUSY still holds the piece");
    }

    @Test
    void shouldAskTheSeedWhenTheOtherHoldersAreGone()
    {
        final SwarmDownload.Parent seed = parent(true, true, true);
        final SwarmDownload.Parent closed = parent(false, false, false);
        final SwarmDownload.Parent excluded = parent(false, true, true);
        excluded.excluded = true;
        assertSame(seed, choose(seed, closed, excluded));
    }

    @Test
    void shouldTakeTheLeastBusyAmongEquals()
    {
        final SwarmDownload.Parent a = parent(false, false, true);
        final SwarmDownload.Parent b = parent(false, false, true);
        a.inFlight = 2;
        b.inFlight = 1;
        assertSame(b, choose(a, b));
        final SwarmDownload.Parent seedA = parent(true, true, true);
        final SwarmDownload.Parent seedB = parent(true, true, true);
        seedA.inFlight = 1;
        assertSame(seedB, choose(seedA, seedB));
    }

    private static final class FakeConnection implements PeerConnection
    {
        private final boolean open;

        FakeConnection(final boolean open)
        {
            this.open = open;
        }

        @Override
        public void requestPiece(final byte[] taskId, final int pieceIndex, final PieceReceiver receiver)
        {
            throw new UnsupportedOperationException("the choice makes no requests");
        }

        @Override
        public InetSocketAddress remoteAddress()
        {
            return new InetSocketAddress("127.0.0.1", 1);
        }

        @Override
        public boolean isOpen()
        {
            return open;
        }

        @Override
        public void close()
        {
        }
    }
}
