/**
 * FFM bindings to rdma-core 44 ({@code libibverbs.so.1}, {@code librdmacm.so.1}): the struct layouts
 * ({@link dev.starling.rdma.verbs.Structs}, checked against the C headers by a test), the control-path calls with
 * errno mapped to text ({@link dev.starling.rdma.verbs.IbVerbs}, {@link dev.starling.rdma.verbs.RdmaCm},
 * {@link dev.starling.rdma.verbs.VerbsException}), the data-path verbs as reusable calls through the provider's
 * function pointers ({@link dev.starling.rdma.verbs.PostRead}, {@link dev.starling.rdma.verbs.CompletionPoller}),
 * and loading that reports absence as a value ({@link dev.starling.rdma.verbs.Availability}).
 */
package dev.starling.rdma.verbs;
