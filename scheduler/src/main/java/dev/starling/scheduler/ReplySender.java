package dev.starling.scheduler;

import org.agrona.DirectBuffer;

/**
 * Where the scheduler's replies go: the seam between {@link SchedulerLogic} and Aeron.
 * <p>
 * {@link AeronReplySender} keeps one publication per host; {@link RecordingReplySender} keeps copies for tests and
 * counts for benchmarks. Every method is called on the scheduler's agent thread.
 */
public interface ReplySender
{
    /**
     * A host registered: open its reply channel.
     *
     * @param peerId        the host.
     * @param replyChannel  the channel it announced.
     * @param replyStreamId the stream id it announced.
     */
    void onHostRegistered(long peerId, String replyChannel, int replyStreamId);

    /**
     * A host left or timed out: close its reply channel and drop what is queued for it.
     *
     * @param peerId the host.
     */
    void onHostRemoved(long peerId);

    /**
     * Sends one encoded message (SBE header included) to a host, without blocking.
     *
     * @param peerId the host.
     * @param buffer the message; the caller retains it and may reuse it as soon as this returns.
     * @param offset where the message starts.
     * @param length its length in bytes.
     * @return true when it was sent or queued; false when it was dropped (and counted).
     */
    boolean send(long peerId, DirectBuffer buffer, int offset, int length);

    /**
     * Work the sender does once per duty cycle (publications becoming ready, queued messages); none by default.
     *
     * @return how much work it did.
     */
    default int doWork()
    {
        return 0;
    }
}
