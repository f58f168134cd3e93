package dev.starling.rdma.verbs;

/**
 * A verbs or rdma_cm call failed. Carries the call's name and the errno it reported; {@link #code()} is stable
 * ({@code rdma_resolve_addr:ETIMEDOUT}) for logs and tests to match on, and the message says what to check. The
 * RDMA provider never lets one fail a download: the piece or the connection goes to TCP instead.
 */
public final class VerbsException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String verb;
    private final int errno;

    /**
     * @param verb   the call that failed, e.g. {@code ibv_reg_mr}.
     * @param errno  the errno it reported (0 when it reported none).
     * @param detail what it was doing, or null.
     */
    public VerbsException(final String verb, final int errno, final String detail)
    {
        super(verb + " failed: " + Errno.describe(errno) + (detail == null ? "" : ": " + detail));
        this.verb = verb;
        this.errno = errno;
    }

    /**
     * @return the call that failed.
     */
    public String verb()
    {
        return verb;
    }

    /**
     * @return the errno it reported.
     */
    public int errno()
    {
        return errno;
    }

    /**
     * @return {@code verb:ERRNO_NAME}, stable across releases.
     */
    public String code()
    {
        return verb + ":" + Errno.name(errno);
    }
}
