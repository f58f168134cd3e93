package dev.starling.dataplane.store;

/**
 * When content bytes are forced to disk. Every policy survives a killed process (written bytes are in the page
 * cache before the index marks a piece); they differ on power loss.
 */
public enum FsyncPolicy
{
    /** Never fsync: fastest; after a power loss a piece marked finished may read back as zeros. */
    NONE,
    /** fsync the content before marking each piece finished: a finished piece survives power loss. */
    PIECE,
    /** fsync once when the task completes, before it is marked complete. */
    TASK
}
