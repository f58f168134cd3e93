/**
 * Test fixtures shared by the dataplane tests and, through the dataplane test-jar, by the cli system tests.
 * <p>
 * {@link dev.starling.dataplane.testkit.NginxOrigin} runs a real nginx as a child process of the test JVM, serving a
 * directory the test fills, and reads back nginx's access log so that a test can assert how many bytes the origin
 * served. {@link dev.starling.dataplane.testkit.FaultyOrigin} is a small in-process HTTP/1.1 test double for the faults
 * nginx cannot produce on demand, such as a connection reset at a chosen byte.
 * {@link dev.starling.dataplane.testkit.RegistryFixture} runs a real OCI distribution registry the same way, with
 * optional Basic or token authentication, and pushes into it with skopeo an
 * {@link dev.starling.dataplane.testkit.OciImage}: an OCI image layout of deterministic random layers, built in Java.
 * It serves HTTPS with a {@link dev.starling.dataplane.testkit.TestCertificate}, a self-signed certificate for
 * {@code 127.0.0.1} made with openssl.
 * <p>
 * Each fixture owns its process or threads and its sockets from {@code start} until {@code close}; a test owns the
 * fixture and closes it, normally through try-with-resources. None depends on the code under test.
 */
package dev.starling.dataplane.testkit;
