package dev.starling.dataplane.store;

/**
 * Where a task stands in the store. The ordinal is written to the index: append only.
 */
public enum TaskState
{
    /** Some pieces may be missing. */
    DOWNLOADING,
    /** Every piece is written and verified, and the whole-content digest, when known, matched. */
    COMPLETE;

    static final TaskState[] VALUES = values();
}
