/**
 * The model hub entrance: a Hugging Face-compatible hub endpoint inside the daemon ({@code HF_ENDPOINT}), and the
 * hub API client that {@code starling get hf://…} and {@code modelscope://…} list repositories with. Model files
 * become tasks: named by their LFS sha256 when they have one, else by repository, commit and path
 * ({@link dev.starling.modelproxy.HubFile#taskId()}), so a file fetched by the proxy and by {@code get} is one task.
 * <p>
 * Threading: the proxy's server owns its Netty event loops; each request is handled on its connection's loop and
 * upstream calls complete back onto it. Downloads run on the node's workers
 * ({@link dev.starling.dataplane.node.NodeServices#fetch}).
 */
package dev.starling.modelproxy;
