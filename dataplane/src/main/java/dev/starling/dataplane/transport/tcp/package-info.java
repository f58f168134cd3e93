/**
 * The TCP transport provider on Netty (io_uring, epoll or NIO). Each connection's handler is confined to its
 * event loop; pieces leave the server straight from the content file and reach the client's receiver as they
 * arrive.
 */
package dev.starling.dataplane.transport.tcp;
