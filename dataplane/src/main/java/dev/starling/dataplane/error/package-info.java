/**
 * Errors with stable codes: every failure a user can see carries an {@link dev.starling.dataplane.error.ErrorCode}
 * and a message that says what to do.
 */
package dev.starling.dataplane.error;
