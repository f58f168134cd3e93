/**
 * The transport SPI between nodes: a {@link dev.starling.dataplane.transport.TransportProvider} serves pieces
 * from a {@link dev.starling.dataplane.transport.PieceSource} and connects to peers; a
 * {@link dev.starling.dataplane.transport.PeerConnection} carries several piece requests at once, each answered
 * through a {@link dev.starling.dataplane.transport.PieceReceiver}. The wire format is
 * {@link dev.starling.dataplane.transport.PieceProtocol} ({@code docs/piece-protocol.md}).
 */
package dev.starling.dataplane.transport;
