/**
 * Back to source: the SPI for fetching artifacts from their origin, and the registry that picks a backend by URL
 * scheme. Backends stream bodies into a {@link dev.starling.dataplane.source.BodySink} on their own I/O threads.
 */
package dev.starling.dataplane.source;
