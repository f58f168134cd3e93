package dev.starling.scheduler.swarm;

import java.util.Arrays;

/**
 * Ranks the candidate parents of a child in its task: the scheduler's one decision, kept apart from the message
 * loop so it can be tested and measured alone.
 * <p>
 * A candidate scores (higher is better, 0 to about 1,000):
 * <ul>
 *   <li>free upload capacity: up to {@value #CAPACITY_WEIGHT}, its upload slots less its estimated uploads in
 *       progress ({@link Host#uploadLoad(long)}), as a fraction of its slots;</li>
 *   <li>useful pieces: up to {@value #PIECES_WEIGHT}, the pieces it holds that the child lacks, as a fraction of
 *       what the child lacks;</li>
 *   <li>locality: {@value #ZONE_WEIGHT} for the child's zone, {@value #RACK_WEIGHT} more for its rack;</li>
 *   <li>host type: {@value #SEED_WEIGHT} for a seed;</li>
 *   <li>failures reported against it lately: {@value #FAILURE_PENALTY} off each, up to
 *       {@value #MAX_FAILURES_PENALISED};</li>
 *   <li>slowness: its mean piece cost against the median of the swarm's: up to {@value #SLOW_PENALTY} off as it
 *       nears {@code slowFactor} times the median; beyond that it is excluded for this child and reported
 *       through {@link #slowCount()} so the caller can log and count it.</li>
 * </ul>
 * Never candidates: the child itself, a member the child reported wrong bytes from (or excluded as slow), and a
 * member excluded for all. Allocation-free once warm: candidates are ranked into arrays that grow only when a
 * larger swarm than any before is ranked. Not thread-safe: one per agent.
 */
public final class ParentEvaluator
{
    /** Weight of free upload capacity. */
    public static final int CAPACITY_WEIGHT = 300;
    /** Weight of the pieces the parent holds that the child lacks. */
    public static final int PIECES_WEIGHT = 400;
    /** Bonus for the child's zone. */
    public static final int ZONE_WEIGHT = 100;
    /** Bonus for the child's rack (in its zone). */
    public static final int RACK_WEIGHT = 50;
    /** Bonus for a seed. */
    public static final int SEED_WEIGHT = 100;
    /** Penalty per recent failure. */
    public static final int FAILURE_PENALTY = 50;
    /** Failures beyond this count no more. */
    public static final int MAX_FAILURES_PENALISED = 6;
    /** Largest penalty for slowness short of exclusion. */
    public static final int SLOW_PENALTY = 150;
    /** Default: candidates returned. */
    public static final int DEFAULT_MAX_CANDIDATES = 8;
    /** Default: a parent slower than this many times the swarm's median is excluded. */
    public static final double DEFAULT_SLOW_FACTOR = 4.0;
    /** Default window of the upload statistics. */
    public static final long DEFAULT_STATS_WINDOW_NS = 1_000_000_000L;

    private final int maxCandidates;
    private final double slowFactor;
    private final long statsWindowNs;
    private final Member[] best;
    private final int[] bestScores;
    private int bestCount;
    private Member[] slow = new Member[8];
    private int slowCount;
    private long[] costs = new long[64];

    /**
     * With the defaults.
     */
    public ParentEvaluator()
    {
        this(DEFAULT_MAX_CANDIDATES, DEFAULT_SLOW_FACTOR, DEFAULT_STATS_WINDOW_NS);
    }

    /**
     * @param maxCandidates candidates returned at most (K).
     * @param slowFactor    a parent slower than this many times the median is excluded; greater than 1.
     * @param statsWindowNs the window over which the hosts' upload statistics halve.
     */
    public ParentEvaluator(final int maxCandidates, final double slowFactor, final long statsWindowNs)
    {
        if (maxCandidates < 1 || slowFactor <= 1.0 || statsWindowNs <= 0)
        {
            throw new IllegalArgumentException("maxCandidates >= 1, slowFactor > 1, statsWindowNs > 0");
        }
        this.maxCandidates = maxCandidates;
        this.slowFactor = slowFactor;
        this.statsWindowNs = statsWindowNs;
        this.best = new Member[maxCandidates];
        this.bestScores = new int[maxCandidates];
    }

    /**
     * Ranks the parents of {@code child}; read them with {@link #candidate(int)} and {@link #score(int)}, and the
     * members excluded as slow with {@link #slow(int)}. Both stay valid until the next call.
     *
     * @param swarm the task.
     * @param child the member that wants parents.
     * @return the number of candidates, at most K, best first.
     */
    public int rank(final TaskSwarm swarm, final Member child)
    {
        bestCount = 0;
        slowCount = 0;
        final int n = swarm.memberCount();
        final long median = medianCost(swarm, child, n);
        final long slowLimit = median > 0 ? (long)(median * slowFactor) : Long.MAX_VALUE;
        final int lacking = swarm.pieceCount() - child.pieces.cardinality();
        final Host childHost = child.host;

        for (int i = 0; i < n; i++)
        {
            final Member parent = swarm.member(i);
            if (!eligible(child, parent))
            {
                continue;
            }
            final Host host = parent.host;
            final long cost = host.meanCostNs;
            if (cost > slowLimit)
            {
                addSlow(parent);
                continue;
            }
            int score = 0;
            final int slots = Math.max(1, host.uploadSlots);
            final double free = Math.max(0.0, slots - host.uploadLoad(statsWindowNs));
            score += (int)(CAPACITY_WEIGHT * Math.min(1.0, free / slots));
            if (lacking > 0)
            {
                score += (int)((long)PIECES_WEIGHT * parent.pieces.countAndNot(child.pieces) / lacking);
            }
            if (host.zoneId != 0 && host.zoneId == childHost.zoneId)
            {
                score += ZONE_WEIGHT;
                if (host.rackId != 0 && host.rackId == childHost.rackId)
                {
                    score += RACK_WEIGHT;
                }
            }
            if (host.seed)
            {
                score += SEED_WEIGHT;
            }
            score -= FAILURE_PENALTY * Math.min(host.recentFailures, MAX_FAILURES_PENALISED);
            if (median > 0 && cost > median)
            {
                score -= (int)(SLOW_PENALTY * ((double)(cost - median) / (slowLimit - median)));
            }
            insert(parent, score);
        }
        return bestCount;
    }

    /**
     * @param child  a member.
     * @param parent another member of its task.
     * @return true when {@code parent} may be offered to {@code child} at all.
     */
    public static boolean eligible(final Member child, final Member parent)
    {
        return parent != child && !parent.excludedForAll && !child.excludes(parent.host.peerId);
    }

    /**
     * @param i rank, from 0.
     * @return the candidate at that rank in the last {@link #rank} call.
     */
    public Member candidate(final int i)
    {
        return best[i];
    }

    /**
     * @param i rank, from 0.
     * @return its score.
     */
    public int score(final int i)
    {
        return bestScores[i];
    }

    /** @return how many members the last call excluded as slow. */
    public int slowCount()
    {
        return slowCount;
    }

    /**
     * @param i index in {@code [0, slowCount())}.
     * @return a member the last call excluded as slow.
     */
    public Member slow(final int i)
    {
        return slow[i];
    }

    /** @return candidates returned at most. */
    public int maxCandidates()
    {
        return maxCandidates;
    }

    private long medianCost(final TaskSwarm swarm, final Member child, final int n)
    {
        if (costs.length < n)
        {
            costs = new long[Math.max(n, costs.length * 2)];
        }
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            final Member m = swarm.member(i);
            if (m != child && m.host.meanCostNs > 0)
            {
                costs[count++] = m.host.meanCostNs;
            }
        }
        // A median of fewer than three says nothing about who is slow.
        return count < 3 ? 0 : select(costs, count, count >>> 1);
    }

    private void insert(final Member parent, final int score)
    {
        int at = bestCount;
        while (at > 0 && bestScores[at - 1] < score)
        {
            at--;
        }
        if (at >= maxCandidates)
        {
            return;
        }
        final int last = Math.min(bestCount, maxCandidates - 1);
        for (int j = last; j > at; j--)
        {
            best[j] = best[j - 1];
            bestScores[j] = bestScores[j - 1];
        }
        best[at] = parent;
        bestScores[at] = score;
        if (bestCount < maxCandidates)
        {
            bestCount++;
        }
    }

    private void addSlow(final Member parent)
    {
        if (slowCount == slow.length)
        {
            slow = Arrays.copyOf(slow, slowCount * 2);
        }
        slow[slowCount++] = parent;
    }

    /**
     * Quickselect: the k-th smallest of {@code values[0, count)}, reordering them.
     */
    static long select(final long[] values, final int count, final int k)
    {
        int lo = 0;
        int hi = count - 1;
        while (lo < hi)
        {
            final long pivot = values[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }
                while (values[j] > pivot)
                {
                    j--;
                }
                if (i <= j)
                {
                    final long t = values[i];
                    values[i] = values[j];
                    values[j] = t;
                    i++;
                    j--;
                }
            }
            if (k <= j)
            {
                hi = j;
            }
            else if (k >= i)
            {
                lo = i;
            }
            else
            {
                return values[k];
            }
        }
        return values[k];
    }
}
