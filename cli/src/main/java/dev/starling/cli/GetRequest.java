package dev.starling.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * One {@code starling get}, as the command line or the control endpoint hands it over. Immutable.
 *
 * @param url         artifact URL.
 * @param output      absolute target path.
 * @param digest      expected sha256 ({@code sha256:hex}) or null.
 * @param headers     origin request headers, {@code Name: value}.
 * @param tag         task tag or null.
 * @param application task application or null.
 * @param from        a peer's piece address ({@code HOST:PORT}) to fetch from before the origin, or null.
 * @param taskId      the task id in text form ({@link dev.starling.dataplane.task.TaskId#toString()}) when the
 *                    caller names the task itself (a hub file: by its LFS sha256, else by repository, commit and
 *                    path, never by the URL), or null to derive it from the digest or the URL.
 */
record GetRequest(String url, Path output, String digest, List<String> headers, String tag, String application,
    String from, String taskId)
{
    GetRequest
    {
        headers = List.copyOf(headers);
    }
}
