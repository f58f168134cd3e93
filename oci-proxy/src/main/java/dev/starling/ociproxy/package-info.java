/**
 * The registry mirror: an OCI distribution pull-through mirror inside the daemon that containerd and CRI-O point
 * at. Blobs become tasks named by their digest and are streamed to the client while their pieces arrive (from peers
 * or the registry); everything else passes straight through to the upstream registry with the client's headers.
 * <p>
 * Threading: {@link dev.starling.ociproxy.OciProxy} owns a Netty server; each request is handled on its
 * connection's event loop, and upstream calls complete back onto it. Downloads run on the node's workers
 * ({@link dev.starling.dataplane.node.NodeServices#fetch}).
 */
package dev.starling.ociproxy;
