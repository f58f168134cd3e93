/**
 * A node's side of the mesh: serving the store's pieces to peers
 * ({@link dev.starling.dataplane.peer.StorePieceSource}).
 */
package dev.starling.dataplane.peer;
