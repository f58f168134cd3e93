package dev.starling.dataplane.task;

/**
 * Which {@link PieceDigest} a new task gets: the {@code piece-digest} setting. Every node of a cluster must use the
 * same policy, since a receiver checks a peer's piece against the digest the swarm agreed on for the task.
 */
public enum PieceDigestPolicy
{
    /**
     * CRC32C pieces for a content-addressed task, SHA-256 pieces for any other. A content-addressed task's id is the
     * SHA-256 of its content, and its content is checked against it before anything is placed, cached or the last
     * piece is streamed, so SHA-256 pieces would only hash the same bytes a second time (measured in bench/: about a
     * fifth of a receiving daemon's event-loop CPU). What CRC32C gives up there: a peer that forges a piece is caught
     * at the end of the task rather than at the piece, so it can make a download fail (and be retried), never deliver
     * other bytes. Tasks named by URL have no end-to-end digest and keep SHA-256. The default.
     */
    AUTO,
    /** SHA-256 pieces for every task: a forged piece is caught at the piece and fetched again elsewhere. */
    SHA256,
    /** CRC32C pieces for every task: catches corruption, not a malicious peer, on tasks named by URL. */
    CRC32C;

    /**
     * @param id the new task.
     * @return the piece digest it gets under this policy.
     */
    public PieceDigest forTask(final TaskId id)
    {
        switch (this)
        {
            case SHA256:
                return PieceDigest.SHA256;
            case CRC32C:
                return PieceDigest.CRC32C;
            default:
                return id.contentAddressed() ? PieceDigest.CRC32C : PieceDigest.SHA256;
        }
    }

    /**
     * @param text {@code auto}, {@code sha256} or {@code crc32c}, any case.
     * @return the policy, or null when the text names none.
     */
    public static PieceDigestPolicy parse(final String text)
    {
        for (final PieceDigestPolicy p : values())
        {
            if (p.name().equalsIgnoreCase(text.trim()))
            {
                return p;
            }
        }
        return null;
    }
}
