/**
 * What the daemon's HTTP front ends (the registry mirror, the model hub proxy) share: their listener and pipeline
 * ({@link dev.starling.dataplane.serve.FrontEndServer}), the per-connection handler that may stream a task
 * ({@link dev.starling.dataplane.serve.StreamingHandler}), streaming a task's content to
 * a client while it downloads ({@link dev.starling.dataplane.serve.TaskStream}), byte ranges, the cache of access
 * the upstream confirmed per credential, passing other requests through to the upstream, and closing TLS probes on
 * a plain port.
 * <p>
 * Threading: everything here runs on the front end's connection event loops, except {@link
 * dev.starling.dataplane.serve.AccessCache}, which is thread-safe.
 */
package dev.starling.dataplane.serve;
