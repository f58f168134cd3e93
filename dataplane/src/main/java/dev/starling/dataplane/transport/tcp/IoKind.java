package dev.starling.dataplane.transport.tcp;

/**
 * Netty's I/O engines for the TCP transport, in order of preference.
 */
public enum IoKind
{
    /** Linux io_uring. Its file regions keep offsets in 32 bits, so pieces beyond 2 GiB go from mapped memory. */
    IO_URING,
    /** Linux epoll; file regions go by sendfile with 64-bit offsets. */
    EPOLL,
    /** Java NIO, everywhere; file regions go by FileChannel.transferTo. */
    NIO
}
