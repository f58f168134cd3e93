package dev.starling.scheduler.swarm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;

/**
 * A registered daemon: where it serves pieces, how many uploads it takes at once, where it sits (zone, rack), where
 * the scheduler replies, when it was last heard from, and how its uploads have gone lately.
 * <p>
 * Owned by the scheduler's agent thread through {@link SwarmRegistry}. The strings are taken from the first
 * {@code RegisterHost}; a heartbeat only refreshes the time and the upload slots (a daemon that moves gets a new
 * peer id when it restarts).
 */
public final class Host
{
    /** Weight of a new sample in the mean piece cost: 1/8. */
    private static final int COST_EWMA_SHIFT = 3;

    final long peerId;
    final String address;
    final byte[] addressBytes;
    final int piecePort;
    final boolean seed;
    final int zoneId;
    final int rackId;
    final String replyChannel;
    final int replyStreamId;
    int uploadSlots;
    long lastHeartbeatMs;
    long recentUploadBusyNs;
    int recentUploads;
    int recentFailures;
    long meanCostNs;
    final ArrayList<Member> memberships = new ArrayList<>();
    final ArrayList<TaskSwarm> seedTasks = new ArrayList<>();
    private boolean leaving;
    private String rdmaDevice = "";

    /**
     * @param device the RDMA device the host announced (it serves and takes remote reads), or "" / null for none.
     */
    public void rdmaDevice(final String device)
    {
        rdmaDevice = device == null ? "" : device;
    }

    /** @return the RDMA device the host announced, or "". */
    public String rdmaDevice()
    {
        return rdmaDevice;
    }

    /** @return whether the host announced an RDMA device: its children may read its pieces remotely. */
    public boolean hasRdma()
    {
        return !rdmaDevice.isEmpty();
    }

    Host(
        final long peerId,
        final String address,
        final int piecePort,
        final int uploadSlots,
        final boolean seed,
        final int zoneId,
        final int rackId,
        final String replyChannel,
        final int replyStreamId,
        final long nowMs)
    {
        this.peerId = peerId;
        this.address = address == null ? "" : address;
        this.addressBytes = this.address.getBytes(StandardCharsets.UTF_8);
        this.piecePort = piecePort;
        this.uploadSlots = uploadSlots;
        this.seed = seed;
        this.zoneId = zoneId;
        this.rackId = rackId;
        this.replyChannel = replyChannel;
        this.replyStreamId = replyStreamId;
        this.lastHeartbeatMs = nowMs;
    }

    /**
     * A heartbeat: the host is alive at {@code nowMs}.
     *
     * @param nowMs       epoch ms.
     * @param uploadSlots the upload slots it announces now.
     */
    public void heartbeat(final long nowMs, final int uploadSlots)
    {
        lastHeartbeatMs = nowMs;
        this.uploadSlots = uploadSlots;
    }

    /** Marks the host as on its way out: it is no longer picked as a seed. */
    public void markLeaving()
    {
        leaving = true;
    }

    /** @return true once it is being removed. */
    public boolean isLeaving()
    {
        return leaving;
    }

    /** @return the tasks it is a member of. */
    public int membershipCount()
    {
        return memberships.size();
    }

    /**
     * @param i index in {@code [0, membershipCount())}.
     * @return a membership.
     */
    public Member membership(final int i)
    {
        return memberships.get(i);
    }

    /** @return the tasks it was sent to the origin for as their seed. */
    public int seedTaskCount()
    {
        return seedTasks.size();
    }

    /**
     * @param i index in {@code [0, seedTaskCount())}.
     * @return a task it seeds.
     */
    public TaskSwarm seedTask(final int i)
    {
        return seedTasks.get(i);
    }

    /**
     * @param swarm a task it was made the seed of.
     */
    public void addSeedTask(final TaskSwarm swarm)
    {
        seedTasks.add(swarm);
    }

    /**
     * @param swarm a task it no longer seeds.
     */
    public void removeSeedTask(final TaskSwarm swarm)
    {
        seedTasks.remove(swarm);
    }

    /** @return the address as UTF-8; owned by this host, do not change it. */
    public byte[] addressBytes()
    {
        return addressBytes;
    }

    /**
     * Records an upload this host made: a child reported a piece with this host as its parent.
     *
     * @param costNs how long the piece took.
     */
    public void onUpload(final long costNs)
    {
        final long cost = Math.max(0, costNs);
        recentUploads++;
        recentUploadBusyNs += cost;
        meanCostNs = meanCostNs == 0 ? cost : meanCostNs + ((cost - meanCostNs) >> COST_EWMA_SHIFT);
    }

    /**
     * Records a failed piece that a child reported against this host.
     */
    public void onFailure()
    {
        recentFailures++;
    }

    /**
     * Halves the recent statistics: called once per statistics window, so they fade within a few windows.
     */
    void decayStatistics()
    {
        recentUploads >>= 1;
        recentUploadBusyNs >>= 1;
        recentFailures >>= 1;
    }

    /**
     * @param windowNs the statistics window.
     * @return the estimated uploads in progress: time spent uploading over the (halving) window, by Little's law.
     */
    public double uploadLoad(final long windowNs)
    {
        return (double)recentUploadBusyNs / (2.0 * windowNs);
    }

    /** @return the peer id. */
    public long peerId()
    {
        return peerId;
    }

    /** @return the address pieces are fetched from. */
    public String address()
    {
        return address;
    }

    /** @return the piece server's port. */
    public int piecePort()
    {
        return piecePort;
    }

    /** @return uploads this host takes at once. */
    public int uploadSlots()
    {
        return uploadSlots;
    }

    /** @return true for a seed. */
    public boolean isSeed()
    {
        return seed;
    }

    /** @return the zone's interned id (0: none). */
    public int zoneId()
    {
        return zoneId;
    }

    /** @return the rack's interned id (0: none). */
    public int rackId()
    {
        return rackId;
    }

    /** @return the reply channel it announced. */
    public String replyChannel()
    {
        return replyChannel;
    }

    /** @return the reply stream id it announced. */
    public int replyStreamId()
    {
        return replyStreamId;
    }

    /** @return when it was last heard from, epoch ms. */
    public long lastHeartbeatMs()
    {
        return lastHeartbeatMs;
    }

    /** @return uploads in the recent window (halving). */
    public int recentUploads()
    {
        return recentUploads;
    }

    /** @return failures reported against it in the recent window (halving). */
    public int recentFailures()
    {
        return recentFailures;
    }

    /** @return the moving mean of its piece costs as a parent, ns (0: no sample yet). */
    public long meanCostNs()
    {
        return meanCostNs;
    }

    @Override
    public String toString()
    {
        return "Host{" + Long.toHexString(peerId) + " " + address + ":" + piecePort + (seed ? " seed" : "") + "}";
    }
}
