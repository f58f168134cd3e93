package dev.starling.scheduler;

/**
 * What the scheduler counts. Written only by the agent thread; other threads may read a slightly stale value.
 */
public final class SchedulerCounters
{
    long messagesReceived;
    long messagesDropped;
    long unknownHostMessages;
    long unknownTaskMessages;
    long hostsRegistered;
    long hostsLeft;
    long hostsTimedOut;
    long seedsAssigned;
    long backToSourceGranted;
    long piecesFinished;
    long piecesFailed;
    long digestConflicts;
    long layoutConflicts;
    long parentsExcluded;
    long slowParentsExcluded;
    long repliesSent;
    long repliesDropped;
    long backPressureDrops;

    /** @return messages decoded. */
    public long messagesReceived()
    {
        return messagesReceived;
    }

    /** @return messages dropped: another schema id, a higher version, an unknown template, or malformed. */
    public long messagesDropped()
    {
        return messagesDropped;
    }

    /** @return messages from a peer id that never sent {@code RegisterHost} (no reply channel to answer on). */
    public long unknownHostMessages()
    {
        return unknownHostMessages;
    }

    /** @return piece reports for a task the peer had not registered (answered {@code TaskUnknown}). */
    public long unknownTaskMessages()
    {
        return unknownTaskMessages;
    }

    /** @return hosts registered. */
    public long hostsRegistered()
    {
        return hostsRegistered;
    }

    /** @return hosts that sent {@code PeerLeft} for all their tasks. */
    public long hostsLeft()
    {
        return hostsLeft;
    }

    /** @return hosts silent for longer than the peer timeout. */
    public long hostsTimedOut()
    {
        return hostsTimedOut;
    }

    /** @return tasks a seed was sent to the origin for. */
    public long seedsAssigned()
    {
        return seedsAssigned;
    }

    /** @return {@code BackToSource} sent to peers that are not the task's seed. */
    public long backToSourceGranted()
    {
        return backToSourceGranted;
    }

    /** @return {@code PieceFinished} applied. */
    public long piecesFinished()
    {
        return piecesFinished;
    }

    /** @return {@code PieceFailed} received. */
    public long piecesFailed()
    {
        return piecesFailed;
    }

    /** @return origin or held pieces reported with a digest other than the trusted one. */
    public long digestConflicts()
    {
        return digestConflicts;
    }

    /** @return {@code RegisterTask} with a layout other than the one known (answered {@code BackToSource}). */
    public long layoutConflicts()
    {
        return layoutConflicts;
    }

    /** @return (child, parent) exclusions for wrong bytes, and parents excluded for all. */
    public long parentsExcluded()
    {
        return parentsExcluded;
    }

    /** @return (child, parent) exclusions for slowness. */
    public long slowParentsExcluded()
    {
        return slowParentsExcluded;
    }

    /** @return replies handed to the sender. */
    public long repliesSent()
    {
        return repliesSent;
    }

    /** @return replies the sender dropped (closed, queue full, not connected for good). */
    public long repliesDropped()
    {
        return repliesDropped;
    }

    /** @return replies dropped because a publication stayed back-pressured through the bounded retry. */
    public long backPressureDrops()
    {
        return backPressureDrops;
    }
}
