package dev.starling.dataplane.scheduler;

import dev.starling.dataplane.task.TaskId;

/**
 * What a daemon does when the scheduler asks it to fetch a task nobody has (it is the seed, or a peer allowed to
 * go back to source for a task it is not downloading).
 */
@FunctionalInterface
public interface SeedHandler
{
    /**
     * Called on the scheduler client's thread: start the download elsewhere and return at once.
     *
     * @param taskId the task.
     * @param url    its origin URL.
     */
    void onSeedRequest(TaskId taskId, String url);
}
