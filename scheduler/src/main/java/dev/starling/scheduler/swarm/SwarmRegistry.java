package dev.starling.scheduler.swarm;

import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.Object2IntHashMap;

import java.util.ArrayList;
import java.util.Arrays;

/**
 * Every registered host and every task's swarm: the scheduler's whole state, in memory.
 * <p>
 * Hosts are found by peer id, tasks by the first 8 bytes of their id (a sha256, so evenly spread) with the full 32
 * bytes compared on lookup and colliding tasks chained. Zones and racks are interned to small ints so the evaluator
 * compares ints. Owned by the scheduler's agent thread; nothing here allocates on a lookup.
 */
public final class SwarmRegistry
{
    private static final String HEX = "0123456789abcdef";

    private final Long2ObjectHashMap<Host> hosts = new Long2ObjectHashMap<>();
    private final ArrayList<Host> hostList = new ArrayList<>();
    private final Long2ObjectHashMap<TaskSwarm> tasks = new Long2ObjectHashMap<>();
    private final Object2IntHashMap<String> places = new Object2IntHashMap<>(0);
    private int taskCount;

    /**
     * @param peerId a peer id.
     * @return its host, or null.
     */
    public Host host(final long peerId)
    {
        return hosts.get(peerId);
    }

    /** @return number of registered hosts. */
    public int hostCount()
    {
        return hostList.size();
    }

    /**
     * @param i index in {@code [0, hostCount())}; indexes change when hosts leave.
     * @return the host.
     */
    public Host hostAt(final int i)
    {
        return hostList.get(i);
    }

    /**
     * Registers a new host.
     *
     * @return the host.
     */
    public Host addHost(
        final long peerId,
        final String address,
        final int piecePort,
        final int uploadSlots,
        final boolean seed,
        final String zone,
        final String rack,
        final String replyChannel,
        final int replyStreamId,
        final long nowMs)
    {
        final Host host = new Host(peerId, address, piecePort, uploadSlots, seed, intern(zone), intern(rack),
            replyChannel, replyStreamId, nowMs);
        hosts.put(peerId, host);
        hostList.add(host);
        return host;
    }

    /**
     * Removes a host from the registry (its memberships are the caller's to remove first).
     *
     * @param host a registered host.
     */
    public void removeHost(final Host host)
    {
        if (hosts.remove(host.peerId) != null)
        {
            hostList.remove(host);
        }
    }

    /**
     * @param taskId 32 bytes; the caller retains it.
     * @return the task's swarm, or null.
     */
    public TaskSwarm task(final byte[] taskId)
    {
        TaskSwarm swarm = tasks.get(hashKey(taskId));
        while (swarm != null && !Arrays.equals(swarm.taskId, 0, TaskSwarm.KEY_LENGTH, taskId, 0, TaskSwarm.KEY_LENGTH))
        {
            swarm = swarm.nextInBucket;
        }
        return swarm;
    }

    /**
     * Creates the swarm of a task not yet known.
     *
     * @param taskId 32 bytes; copied.
     * @param url    the origin URL.
     * @return the new swarm.
     */
    public TaskSwarm addTask(final byte[] taskId, final String url)
    {
        final long key = hashKey(taskId);
        final TaskSwarm swarm = new TaskSwarm(taskId, key, url);
        swarm.nextInBucket = tasks.get(key);
        tasks.put(key, swarm);
        taskCount++;
        return swarm;
    }

    /**
     * @param swarm a registered swarm.
     */
    public void removeTask(final TaskSwarm swarm)
    {
        final TaskSwarm head = tasks.get(swarm.hashKey);
        if (head == swarm)
        {
            if (swarm.nextInBucket == null)
            {
                tasks.remove(swarm.hashKey);
            }
            else
            {
                tasks.put(swarm.hashKey, swarm.nextInBucket);
            }
            taskCount--;
            return;
        }
        for (TaskSwarm s = head; s != null; s = s.nextInBucket)
        {
            if (s.nextInBucket == swarm)
            {
                s.nextInBucket = swarm.nextInBucket;
                taskCount--;
                return;
            }
        }
    }

    /** @return number of tasks. */
    public int taskCount()
    {
        return taskCount;
    }

    /**
     * Adds a member to a swarm.
     *
     * @return the new member.
     */
    public Member join(final TaskSwarm swarm, final Host host)
    {
        return swarm.addMember(host);
    }

    /**
     * Removes a member from its swarm.
     *
     * @param member a member.
     */
    public void leave(final Member member)
    {
        member.swarm.removeMember(member);
    }

    /**
     * Halves every host's recent statistics (called once per statistics window).
     */
    public void decayStatistics()
    {
        for (int i = 0, n = hostList.size(); i < n; i++)
        {
            hostList.get(i).decayStatistics();
        }
    }

    /**
     * @param taskId 32 bytes.
     * @return the first 8 bytes as a little-endian long.
     */
    public static long hashKey(final byte[] taskId)
    {
        long key = 0;
        for (int i = 7; i >= 0; i--)
        {
            key = (key << 8) | (taskId[i] & 0xFFL);
        }
        return key;
    }

    /**
     * @param taskId 32 bytes.
     * @return the first 6 bytes in hex, for log lines.
     */
    public static String shortId(final byte[] taskId)
    {
        final StringBuilder sb = new StringBuilder(12);
        for (int i = 0; i < 6; i++)
        {
            sb.append(HEX.charAt((taskId[i] >> 4) & 0xF)).append(HEX.charAt(taskId[i] & 0xF));
        }
        return sb.toString();
    }

    private int intern(final String place)
    {
        if (place == null || place.isEmpty())
        {
            return 0;
        }
        final int id = places.getValue(place);
        if (id != 0)
        {
            return id;
        }
        final int next = places.size() + 1;
        places.put(place, next);
        return next;
    }
}
