/**
 * Test fixtures for the model hub code, shared with the cli's system tests through the model-proxy test-jar.
 * <p>
 * {@link dev.starling.modelproxy.testkit.HubFixture} stands in for huggingface.co and modelscope.cn, which cannot be
 * reached from the test machines: an in-process HTTP server that answers the hub API, file and ModelScope endpoints
 * as the real hubs do, with an LFS storage "CDN" listener that LFS downloads redirect to, gating by token,
 * pagination, and counters of the file bytes it served. It does not depend on the code under test.
 * <p>
 * The test owns each fixture from {@code start} until {@code close}, normally through try-with-resources.
 */
package dev.starling.modelproxy.testkit;
