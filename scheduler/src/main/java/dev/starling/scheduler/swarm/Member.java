package dev.starling.scheduler.swarm;

import org.agrona.collections.LongHashSet;

/**
 * One peer in one task: the pieces it holds, whether it is still downloading, whether it was sent to the origin,
 * and the parents it must not be given.
 * <p>
 * Owned by the scheduler's agent thread through its {@link TaskSwarm}.
 */
public final class Member
{
    final Host host;
    final TaskSwarm swarm;
    final PieceBitmap pieces;
    int index;
    boolean ready;
    boolean complete;
    boolean backToSource;
    boolean excludedForAll;
    int mismatchReports;
    private LongHashSet excludedParents;

    Member(final Host host, final TaskSwarm swarm, final int pieceCount)
    {
        this.host = host;
        this.swarm = swarm;
        this.pieces = new PieceBitmap(Math.max(0, pieceCount));
    }

    /** The layout is known and the member was answered: it now hears of new pieces. */
    public void markReady()
    {
        ready = true;
    }

    /** It holds every piece: it no longer counts as fetching from the origin. */
    public void markComplete()
    {
        if (!complete)
        {
            complete = true;
            if (backToSource)
            {
                swarm.backToSourceActive--;
            }
        }
    }

    /** It was sent to the origin: counts against the task's {@code max-back-to-source}. */
    public void markBackToSource()
    {
        if (!backToSource)
        {
            backToSource = true;
            if (!complete)
            {
                swarm.backToSourceActive++;
            }
        }
    }

    /**
     * A child reported wrong bytes from this member (each child once).
     *
     * @return reports so far; past the threshold the caller excludes it for all.
     */
    public int onMismatchReported()
    {
        if (++mismatchReports >= 2)
        {
            excludedForAll = true;
        }
        return mismatchReports;
    }

    /** @return the peer id. */
    public long peerId()
    {
        return host.peerId;
    }

    /** @return its host. */
    public Host host()
    {
        return host;
    }

    /** @return its task. */
    public TaskSwarm swarm()
    {
        return swarm;
    }

    /** @return the pieces it holds; owned by this member. */
    public PieceBitmap pieces()
    {
        return pieces;
    }

    /** @return true once it was given the layout and parents (it is no longer waiting). */
    public boolean isReady()
    {
        return ready;
    }

    /** @return true once it holds every piece. */
    public boolean isComplete()
    {
        return complete;
    }

    /** @return true while it is downloading and was given parents: it wants {@code PiecesAvailable}. */
    public boolean isDownloading()
    {
        return ready && !complete;
    }

    /** @return true when it was sent to the origin. */
    public boolean isBackToSource()
    {
        return backToSource;
    }

    /** @return true when several children reported wrong bytes from it: no child gets it as a parent. */
    public boolean isExcludedForAll()
    {
        return excludedForAll;
    }

    /**
     * @param parentPeerId a parent.
     * @return true when this member must not be given that parent.
     */
    public boolean excludes(final long parentPeerId)
    {
        return excludedParents != null && excludedParents.contains(parentPeerId);
    }

    /**
     * @param parentPeerId a parent this member must no longer be given.
     * @return true when it was not excluded before.
     */
    public boolean exclude(final long parentPeerId)
    {
        if (excludedParents == null)
        {
            excludedParents = new LongHashSet(8);
        }
        return excludedParents.add(parentPeerId);
    }

    @Override
    public String toString()
    {
        return "Member{" + Long.toHexString(host.peerId) + " " + pieces + (complete ? " complete" : "") +
            (backToSource ? " back-to-source" : "") + "}";
    }
}
