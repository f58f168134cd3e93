/**
 * The domain: task ids, digests and how content is cut into pieces. Knows nothing of I/O; every type here is
 * immutable and safe to share between threads.
 */
package dev.starling.dataplane.task;
