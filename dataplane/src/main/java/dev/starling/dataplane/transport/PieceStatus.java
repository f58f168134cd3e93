package dev.starling.dataplane.transport;

/**
 * Status of a piece response, as carried on the wire (see {@code docs/piece-protocol.md}). The code is the wire
 * value: append only.
 */
public enum PieceStatus
{
    /** The piece follows. */
    OK(0),
    /** The peer does not have the task. */
    NOT_FOUND(1),
    /** The peer has the task but not this piece yet: ask again later or ask another peer. */
    NOT_YET_AVAILABLE(2),
    /** The peer is serving as much as it will: ask another peer. */
    BUSY(3),
    /** The request was malformed or the piece index is out of range. */
    BAD_REQUEST(4),
    /** The peer failed to read the piece. */
    ERROR(5);

    private static final PieceStatus[] BY_CODE = values();
    private final int code;

    PieceStatus(final int code)
    {
        this.code = code;
    }

    /**
     * @return the wire value.
     */
    public int code()
    {
        return code;
    }

    /**
     * @param code wire value.
     * @return the status, or {@link #ERROR} for an unknown value.
     */
    public static PieceStatus of(final int code)
    {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : ERROR;
    }
}
