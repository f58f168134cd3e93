package dev.starling.scheduler.swarm;

import org.agrona.collections.Long2ObjectHashMap;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One task's swarm: its layout once someone knows it, the trusted digest of each piece, its members and their
 * pieces, the seed assignment, and the {@code PiecesAvailable} entries waiting for the end of the duty cycle.
 * <p>
 * Owned by the scheduler's agent thread through {@link SwarmRegistry}. Members live in an array (iteration without
 * iterators) and a map by peer id; removal swaps the last member into the hole.
 */
public final class TaskSwarm
{
    /** Bytes of a task id and of a digest slot. */
    public static final int KEY_LENGTH = 32;

    final byte[] taskId = new byte[KEY_LENGTH];
    final long hashKey;
    TaskSwarm nextInBucket;
    String url;
    byte[] urlBytes;
    byte[] etagBytes = new byte[0];
    long contentLength = -1;
    int pieceLength;
    int pieceCount;
    short digestAlgorithm;
    byte[] digests = new byte[0];
    final PieceBitmap digestKnown = new PieceBitmap(0);

    private Member[] members = new Member[8];
    private int memberCount;
    private final Long2ObjectHashMap<Member> byPeer = new Long2ObjectHashMap<>();

    long seedPeerId;
    boolean seedFailed;
    int backToSourceActive;

    long[] pendingPeers = new long[64];
    int[] pendingPieces = new int[64];
    int pendingCount;
    boolean flushQueued;
    /** A registrant said the task id is the content's sha256; the seed is told, so that it names the task alike. */
    boolean contentAddressed;

    TaskSwarm(final byte[] taskId, final long hashKey, final String url)
    {
        System.arraycopy(taskId, 0, this.taskId, 0, KEY_LENGTH);
        this.hashKey = hashKey;
        url(url);
    }

    void url(final String url)
    {
        this.url = url == null ? "" : url;
        this.urlBytes = this.url.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Sets the layout; every member's bitmap is sized to it (and cleared).
     *
     * @return true when the layout was unknown before.
     */
    public boolean layout(
        final long contentLength,
        final int pieceLength,
        final int pieceCount,
        final short digestAlgorithm,
        final String etag)
    {
        if (isLayoutKnown())
        {
            return false;
        }
        this.contentLength = contentLength;
        this.pieceLength = pieceLength;
        this.pieceCount = pieceCount;
        this.digestAlgorithm = digestAlgorithm;
        this.etagBytes = etag == null ? new byte[0] : etag.getBytes(StandardCharsets.UTF_8);
        this.digests = new byte[pieceCount * KEY_LENGTH];
        digestKnown.reset(pieceCount);
        for (int i = 0; i < memberCount; i++)
        {
            members[i].pieces.reset(pieceCount);
        }
        return true;
    }

    /**
     * @param contentLength a layout someone announced.
     * @param pieceLength   its piece length.
     * @param pieceCount    its piece count.
     * @return true when it is the layout this swarm knows.
     */
    public boolean sameLayout(final long contentLength, final int pieceLength, final int pieceCount)
    {
        return this.contentLength == contentLength && this.pieceLength == pieceLength && this.pieceCount == pieceCount;
    }

    /** @return true once some peer announced the layout. */
    public boolean isLayoutKnown()
    {
        return contentLength >= 0;
    }

    /**
     * @param out destination for the 32-byte task id.
     */
    public void taskId(final byte[] out)
    {
        System.arraycopy(taskId, 0, out, 0, KEY_LENGTH);
    }

    /** @return the task id; owned by this swarm, do not change it. */
    public byte[] taskIdBytes()
    {
        return taskId;
    }

    /** Records that a registrant said the task id is the content's sha256 (kept for the task's life). */
    public void markContentAddressed()
    {
        contentAddressed = true;
    }

    /** @return whether a registrant said the task id is the content's sha256. */
    public boolean isContentAddressed()
    {
        return contentAddressed;
    }

    /**
     * @return the task's URL as the first registrant gave it.
     */
    public String url()
    {
        return url;
    }

    /** @return content length in bytes, -1 while the layout is unknown. */
    public long contentLength()
    {
        return contentLength;
    }

    /** @return piece length in bytes. */
    public int pieceLength()
    {
        return pieceLength;
    }

    /** @return piece count (0 while the layout is unknown). */
    public int pieceCount()
    {
        return pieceCount;
    }

    /** @return the digest algorithm's wire code. */
    public short digestAlgorithm()
    {
        return digestAlgorithm;
    }

    /** @return the peer id of the seed sent to the origin, 0 when none. */
    public long seedPeerId()
    {
        return seedPeerId;
    }

    /** @return true when the assigned seed failed or left before the task could be had from it. */
    public boolean isSeedFailed()
    {
        return seedFailed;
    }

    /** @return members now fetching from the origin because the scheduler told them to. */
    public int backToSourceActive()
    {
        return backToSourceActive;
    }

    /**
     * @param piece piece index.
     * @return true when a trusted digest is known.
     */
    public boolean isDigestKnown(final int piece)
    {
        return digestKnown.get(piece);
    }

    /**
     * Trusts a digest for a piece when none is known yet.
     *
     * @param piece  piece index.
     * @param digest 32 bytes; the caller retains it.
     * @return true when it became the trusted digest.
     */
    public boolean trustDigest(final int piece, final byte[] digest)
    {
        if (piece < 0 || piece >= pieceCount || digestKnown.get(piece))
        {
            return false;
        }
        System.arraycopy(digest, 0, digests, piece * KEY_LENGTH, KEY_LENGTH);
        digestKnown.set(piece);
        return true;
    }

    /**
     * @param piece  piece index with a known digest.
     * @param digest candidate 32 bytes.
     * @return true when it equals the trusted digest.
     */
    public boolean matchesDigest(final int piece, final byte[] digest)
    {
        return Arrays.equals(digests, piece * KEY_LENGTH, piece * KEY_LENGTH + KEY_LENGTH, digest, 0, KEY_LENGTH);
    }

    /** @return the trusted digests, 32 bytes per piece; owned by this swarm. */
    public byte[] digests()
    {
        return digests;
    }

    /** @return which pieces have a trusted digest; owned by this swarm. */
    public PieceBitmap digestKnown()
    {
        return digestKnown;
    }

    /** @return number of members. */
    public int memberCount()
    {
        return memberCount;
    }

    /**
     * @param i index in {@code [0, memberCount())}; indexes change when members leave.
     * @return the member.
     */
    public Member member(final int i)
    {
        return members[i];
    }

    /**
     * @param peerId a peer.
     * @return its membership, or null.
     */
    public Member memberOf(final long peerId)
    {
        return byPeer.get(peerId);
    }

    Member addMember(final Host host)
    {
        final Member member = new Member(host, this, pieceCount);
        if (memberCount == members.length)
        {
            members = Arrays.copyOf(members, memberCount * 2);
        }
        member.index = memberCount;
        members[memberCount++] = member;
        byPeer.put(host.peerId, member);
        host.memberships.add(member);
        return member;
    }

    void removeMember(final Member member)
    {
        if (byPeer.remove(member.host.peerId) == null)
        {
            return;
        }
        final int last = --memberCount;
        final Member moved = members[last];
        members[member.index] = moved;
        moved.index = member.index;
        members[last] = null;
        member.host.memberships.remove(member);
        if (member.backToSource && !member.complete)
        {
            backToSourceActive--;
        }
    }

    /**
     * Forgets every member's pieces (the digests stay): lets a benchmark replay the same piece events.
     */
    public void clearPieces()
    {
        for (int i = 0; i < memberCount; i++)
        {
            final Member m = members[i];
            m.pieces.clear();
            m.complete = false;
        }
        pendingCount = 0;
    }

    /** @return true when some member holds at least one piece. */
    public boolean hasHolder()
    {
        for (int i = 0; i < memberCount; i++)
        {
            if (members[i].pieces.cardinality() > 0)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @param peerId the seed sent to the origin for this task.
     */
    public void assignSeed(final long peerId)
    {
        seedPeerId = peerId;
        seedFailed = false;
    }

    /** The assigned seed gave up or left before the task could be had from it. */
    public void seedFailed()
    {
        seedFailed = true;
    }

    /** @return the origin URL as UTF-8; owned by this swarm. */
    public byte[] urlBytes()
    {
        return urlBytes;
    }

    /** @return the ETag as UTF-8; owned by this swarm. */
    public byte[] etagBytes()
    {
        return etagBytes;
    }

    /** @return true while the swarm waits in the flush queue. */
    public boolean isFlushQueued()
    {
        return flushQueued;
    }

    /**
     * @param queued whether the swarm waits in the flush queue.
     */
    public void flushQueued(final boolean queued)
    {
        flushQueued = queued;
    }

    /**
     * Queues a {@code PiecesAvailable} entry for the end of the duty cycle.
     *
     * @param peerId the member that now holds the piece.
     * @param piece  the piece.
     */
    public void queueAvailable(final long peerId, final int piece)
    {
        if (pendingCount == pendingPeers.length)
        {
            pendingPeers = Arrays.copyOf(pendingPeers, pendingCount * 2);
            pendingPieces = Arrays.copyOf(pendingPieces, pendingCount * 2);
        }
        pendingPeers[pendingCount] = peerId;
        pendingPieces[pendingCount] = piece;
        pendingCount++;
    }

    /** @return peers of the pending entries; owned by this swarm, valid up to {@link #pendingCount()}. */
    public long[] pendingPeers()
    {
        return pendingPeers;
    }

    /** @return pieces of the pending entries; owned by this swarm, valid up to {@link #pendingCount()}. */
    public int[] pendingPieces()
    {
        return pendingPieces;
    }

    /**
     * Drops the pending entries of a peer (it left or was excluded).
     *
     * @param peerId the peer.
     */
    public void dropPending(final long peerId)
    {
        int kept = 0;
        for (int i = 0; i < pendingCount; i++)
        {
            if (pendingPeers[i] != peerId)
            {
                pendingPeers[kept] = pendingPeers[i];
                pendingPieces[kept] = pendingPieces[i];
                kept++;
            }
        }
        pendingCount = kept;
    }

    /** Forgets the pending entries (they were sent). */
    public void clearPending()
    {
        pendingCount = 0;
    }

    /** @return {@code PiecesAvailable} entries waiting for the end of the duty cycle. */
    public int pendingCount()
    {
        return pendingCount;
    }

    @Override
    public String toString()
    {
        return "TaskSwarm{" + SwarmRegistry.shortId(taskId) + " members=" + memberCount + " pieces=" + pieceCount + "}";
    }
}
