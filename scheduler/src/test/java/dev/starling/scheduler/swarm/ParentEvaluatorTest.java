package dev.starling.scheduler.swarm;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParentEvaluatorTest
{
    private static final int PIECES = 100;
    private static final long WINDOW_NS = 1_000_000_000L;

    private final SwarmRegistry registry = new SwarmRegistry();
    private final ParentEvaluator evaluator = new ParentEvaluator(8, 4.0, WINDOW_NS);
    private TaskSwarm swarm;
    private Member child;

    @BeforeEach
    void setUp()
    {
        swarm = registry.addTask(new byte[32], "http://origin/x");
        swarm.layout(PIECES * 1024L, 1024, PIECES, (short)1, "");
        child = join(1, false, "z1", "r1");
    }

    private Member join(final long peerId, final boolean seed, final String zone, final String rack)
    {
        final Host host = registry.addHost(peerId, "10.0.0." + peerId, 65000, 4, seed, zone, rack, "aeron:ipc",
            1, 0);
        return registry.join(swarm, host);
    }

    private Member join(final long peerId)
    {
        return join(peerId, false, "", "");
    }

    private static void hold(final Member m, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            m.pieces().set(i);
        }
    }

    private List<Long> ranked()
    {
        final int n = evaluator.rank(swarm, child);
        final List<Long> ids = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            ids.add(evaluator.candidate(i).peerId());
            if (i > 0)
            {
                assertTrue(evaluator.score(i - 1) >= evaluator.score(i), "best first");
            }
        }
        return ids;
    }

    @Test
    void shouldPreferTheParentWithMoreFreeUploadCapacity()
    {
        final Member busy = join(2);
        final Member idle = join(3);
        for (int i = 0; i < 8; i++)
        {
            busy.host().onUpload(WINDOW_NS);
        }

        assertEquals(List.of(idle.peerId(), busy.peerId()), ranked());
    }

    @Test
    void shouldPreferTheParentHoldingMorePiecesTheChildLacks()
    {
        final Member few = join(2);
        final Member many = join(3);
        hold(child, 0, 50);
        hold(few, 0, 60);
        hold(many, 40, 90);

        assertEquals(List.of(many.peerId(), few.peerId()), ranked());
    }

    @Test
    void shouldPreferTheChildsZone()
    {
        final Member far = join(2, false, "z2", "r1");
        final Member near = join(3, false, "z1", "r9");

        assertEquals(List.of(near.peerId(), far.peerId()), ranked());
    }

    @Test
    void shouldPreferTheChildsRackWithinItsZone()
    {
        final Member otherRack = join(2, false, "z1", "r2");
        final Member sameRack = join(3, false, "z1", "r1");

        assertEquals(List.of(sameRack.peerId(), otherRack.peerId()), ranked());
    }

    @Test
    void shouldPreferASeed()
    {
        final Member normal = join(2, false, "", "");
        final Member seed = join(3, true, "", "");

        assertEquals(List.of(seed.peerId(), normal.peerId()), ranked());
    }

    @Test
    void shouldRankAParentWithRecentFailuresLower()
    {
        final Member failing = join(2);
        final Member fine = join(3);
        failing.host().onFailure();

        assertEquals(List.of(fine.peerId(), failing.peerId()), ranked());
    }

    @Test
    void shouldRankASlowerParentLowerAndExcludeOneFarSlowerThanTheMedian()
    {
        final Member a = join(2);
        final Member b = join(3);
        final Member c = join(4);
        final Member slower = join(5);
        final Member crawling = join(6);
        a.host().onUpload(1_000_000);
        b.host().onUpload(1_000_000);
        c.host().onUpload(1_000_000);
        slower.host().onUpload(2_000_000);
        crawling.host().onUpload(50_000_000);

        final List<Long> ids = ranked();

        assertEquals(4, ids.size());
        assertEquals(slower.peerId(), ids.get(3));
        assertFalse(ids.contains(crawling.peerId()));
        assertEquals(1, evaluator.slowCount());
        assertEquals(crawling, evaluator.slow(0));
    }

    @Test
    void shouldNeverOfferAParentTheChildReportedWrongBytesFrom()
    {
        final Member bad = join(2);
        final Member good = join(3);
        hold(bad, 0, PIECES);
        child.exclude(bad.peerId());

        assertEquals(List.of(good.peerId()), ranked());
    }

    @Test
    void shouldNeverOfferAParentExcludedForAll()
    {
        final Member bad = join(2);
        final Member good = join(3);
        bad.onMismatchReported();
        assertTrue(ranked().contains(bad.peerId()), "one report excludes it for that child only");
        bad.onMismatchReported();

        assertEquals(List.of(good.peerId()), ranked());
    }

    @Test
    void shouldReturnTheTopKBestFirstAndNeverTheChild()
    {
        for (int p = 2; p < 30; p++)
        {
            hold(join(p), 0, p * 3);
        }

        final List<Long> ids = ranked();

        assertEquals(8, ids.size());
        assertEquals(29L, ids.get(0));
        assertFalse(ids.contains(child.peerId()));
        for (int i = 1; i < ids.size(); i++)
        {
            assertTrue(ids.get(i - 1) > ids.get(i), "more pieces rank higher: " + ids);
        }
    }

    @Test
    void shouldSelectTheMedian()
    {
        final long[] values = {9, 1, 8, 2, 7, 3, 6, 4, 5};

        assertEquals(5, ParentEvaluator.select(values, values.length, values.length / 2));
    }
}
