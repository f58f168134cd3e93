/**
 * The scheduler's state and its one decision, with no I/O: {@link dev.starling.scheduler.swarm.SwarmRegistry}
 * (hosts by peer id, tasks by id), {@link dev.starling.scheduler.swarm.TaskSwarm} (one task's layout, trusted piece
 * digests, members, seed assignment), {@link dev.starling.scheduler.swarm.Member} (one peer in one task),
 * {@link dev.starling.scheduler.swarm.Host} (one daemon), {@link dev.starling.scheduler.swarm.PieceBitmap}, and
 * {@link dev.starling.scheduler.swarm.ParentEvaluator}, which ranks a child's candidate parents.
 * <p>
 * Everything here is owned by the scheduler's agent thread and is not thread-safe; lookups and ranking allocate
 * nothing once arrays have grown to the largest swarm seen.
 */
package dev.starling.scheduler.swarm;
