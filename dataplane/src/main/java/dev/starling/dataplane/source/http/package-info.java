/**
 * The HTTP(S) origin backend on Netty's HTTP client codecs. Each connection carries one
 * {@link dev.starling.dataplane.source.http.Exchange} at a time and is confined to its event loop; idle
 * keep-alive connections are pooled per origin.
 */
package dev.starling.dataplane.source.http;
