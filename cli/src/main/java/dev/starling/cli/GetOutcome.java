package dev.starling.cli;

import java.nio.file.Path;
import java.util.Locale;

/**
 * What a finished {@code starling get} did, for its summary line. Immutable.
 *
 * @param lengthBytes content length.
 * @param fromOrigin  bytes from the origin.
 * @param fromPeers   bytes from peers.
 * @param reused      bytes the store already held.
 * @param taskId      the task id as text.
 * @param target      where the result was placed.
 * @param linked      hard-linked (true) or copied.
 * @param seconds     wall time including placement.
 */
record GetOutcome(long lengthBytes, long fromOrigin, long fromPeers, long reused, String taskId, Path target,
    boolean linked, double seconds)
{
    String summary()
    {
        return String.format(Locale.ROOT,
            "starling get: %s (%d bytes) in %.2f s, %s/s; origin %d bytes, peers %d bytes, reused %d bytes; " +
            "task %s; %s %s",
            Sizes.human(lengthBytes), lengthBytes, seconds, Sizes.human(lengthBytes / Math.max(seconds, 1e-9)),
            fromOrigin, fromPeers, reused, taskId, linked ? "linked to" : "copied to", target);
    }
}
