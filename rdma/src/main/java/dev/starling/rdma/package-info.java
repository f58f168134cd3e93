/**
 * The RDMA transport provider: one-sided RDMA READs of pieces out of the parent's registered memory, with the TCP
 * piece connection as control path. {@link dev.starling.rdma.RdmaTransport} is the provider and
 * {@link dev.starling.rdma.RdmaTransportFactory} its ServiceLoader entry; the remote-read sessions
 * ({@code ClientSession}, {@code ServerSession}) work against the {@code Fabric} seam, which
 * {@code VerbsFabric} implements with rdma-core. Ownership: each connection's session belongs to its event loop;
 * staging slots are reserved per connection and retired by the completion agent; registrations are leased per
 * descriptor. See {@code docs/rdma.md}.
 */
package dev.starling.rdma;
