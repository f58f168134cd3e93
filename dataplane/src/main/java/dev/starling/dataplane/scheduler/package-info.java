/**
 * The scheduler protocol as the dataplane sees it: the Aeron wiring shared by the scheduler and the daemons
 * ({@link dev.starling.dataplane.scheduler.EmbeddedAeron}, {@link dev.starling.dataplane.scheduler.SchedulerChannels}),
 * and the peer's side of the conversation ({@link dev.starling.dataplane.scheduler.SchedulerClient}).
 * <p>
 * The message codecs are flyweights generated at build time from {@code src/main/resources/sbe/scheduler-protocol.xml}
 * into {@code dev.starling.dataplane.scheduler.codec}; {@code docs/scheduler-protocol.md} specifies them.
 */
package dev.starling.dataplane.scheduler;
