/**
 * The download engine: fetches a task's missing pieces from the origin into the store, verifies them, and
 * resumes where an earlier run stopped. The thread that calls
 * {@link dev.starling.dataplane.download.OriginDownloader#download} coordinates; I/O threads only write and hash
 * the bytes of the piece they carry.
 */
package dev.starling.dataplane.download;
