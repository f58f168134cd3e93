package dev.starling.dataplane.error;

/**
 * Stable error codes. The name is what users and scripts match on, the exit code is what
 * {@code starling get} returns; neither changes once released. New codes are appended.
 */
public enum ErrorCode
{
    /** The URL is malformed or names something Starling will not fetch. */
    BAD_URL(10, false),
    /** No origin backend serves the URL's scheme. */
    UNSUPPORTED_SCHEME(11, false),
    /** The origin answered 404 or 410. */
    ORIGIN_NOT_FOUND(20, false),
    /** The origin answered 401 or 403. */
    ORIGIN_DENIED(21, false),
    /** The origin answered another error status (5xx, 429, unexpected 3xx or 4xx). */
    ORIGIN_ERROR(22, true),
    /** The origin could not be reached (refused, unresolvable, connect timeout). */
    ORIGIN_UNREACHABLE(23, true),
    /** The transfer broke off (reset, short body, read timeout, malformed response). */
    ORIGIN_TRANSFER(24, true),
    /** A peer did not deliver a piece (unavailable, failed, or sent bytes that fail the piece digest). */
    PEER_FAILED(25, true),
    /** The downloaded bytes do not match the expected digest. */
    DIGEST_MISMATCH(30, false),
    /** The origin's content changed while it was being downloaded (length or ETag differ). */
    CONTENT_CHANGED(31, false),
    /** The file system holding the data dir or the target is full. */
    DISK_FULL(40, false),
    /** The task does not fit in the configured store quota even after eviction. */
    QUOTA_EXCEEDED(41, false),
    /** Another process owns the data dir. */
    DATA_DIR_LOCKED(42, false),
    /** The data dir cannot be created, read or written, or its index is unusable. */
    DATA_DIR_UNUSABLE(43, false),
    /** The target path cannot be written (permissions, missing parent, read-only file system). */
    TARGET_NOT_WRITABLE(50, false),
    /** The target path is not acceptable (a directory, inside the data dir, empty). */
    BAD_TARGET(51, false),
    /** A configuration file or flag value is invalid. */
    BAD_CONFIG(60, false),
    /** The operation was interrupted or cancelled. */
    CANCELLED(70, false),
    /** A bug: something that should not happen did. */
    INTERNAL(99, false);

    private final int exitCode;
    private final boolean retryable;

    ErrorCode(final int exitCode, final boolean retryable)
    {
        this.exitCode = exitCode;
        this.retryable = retryable;
    }

    /**
     * @return the process exit code {@code starling get} returns for this error.
     */
    public int exitCode()
    {
        return exitCode;
    }

    /**
     * @return true when trying the same operation again may succeed (a transient origin or network fault).
     */
    public boolean retryable()
    {
        return retryable;
    }
}
