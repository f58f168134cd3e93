package dev.starling.dataplane.store;

/**
 * How a finished task's content reaches the user's target path.
 */
public enum PlacementMode
{
    /**
     * Hard-link the content file to the target when both are on one file system (no second pass over the bytes),
     * else copy. The target then shares the store's inode: editing it in place changes the cached copy (peers
     * still detect that through the piece digests).
     */
    LINK,
    /** Always copy (in the kernel, with copy_file_range/sendfile): the target is independent of the store. */
    COPY
}
