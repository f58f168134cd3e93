/**
 * The scheduler service: a single-threaded {@link dev.starling.scheduler.SchedulerAgent} that polls the scheduler
 * protocol's Aeron subscription, decodes each message ({@link dev.starling.scheduler.SchedulerMessageHandler}),
 * applies the conversation of {@code docs/scheduler-protocol.md} ({@link dev.starling.scheduler.SchedulerLogic}),
 * and answers each host through the {@link dev.starling.scheduler.ReplySender} seam (one Aeron publication per host in
 * {@link dev.starling.scheduler.AeronReplySender}; {@link dev.starling.scheduler.RecordingReplySender} for tests and
 * benchmarks). {@link dev.starling.scheduler.Scheduler} wires it to an embedded or shared Aeron;
 * {@link dev.starling.scheduler.SchedulerConfiguration} and {@link dev.starling.scheduler.SchedulerContext} are its
 * settings.
 * <p>
 * Ownership: the agent thread owns the logic, the registry, the evaluator, the sender and the subscription; other
 * threads only start and close the {@link dev.starling.scheduler.Scheduler} and read its counters.
 */
package dev.starling.scheduler;
