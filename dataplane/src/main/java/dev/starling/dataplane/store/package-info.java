/**
 * The piece store: one content file per task, pieces written in place from off-heap buffers, and the persisted
 * task index (a Chronicle Map behind {@link dev.starling.dataplane.store.TaskIndex}). The
 * {@link dev.starling.dataplane.store.PieceStore} owns the data dir; a
 * {@link dev.starling.dataplane.store.TaskHandle} is owned by the thread that coordinates its task.
 */
package dev.starling.dataplane.store;
