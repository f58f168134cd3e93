package dev.starling.dataplane.download;

/**
 * Progress of one download, called on the thread that runs it.
 */
public interface DownloadListener
{
    /** A listener that ignores everything. */
    DownloadListener NONE = new DownloadListener()
    {
    };

    /**
     * The content length is known and the download starts.
     *
     * @param contentLengthBytes total bytes, or -1 when the origin does not say.
     * @param alreadyHeldBytes   bytes the store already held (a resumed or repeated download).
     */
    default void onStart(final long contentLengthBytes, final long alreadyHeldBytes)
    {
    }

    /**
     * @param completedBytes bytes held so far, including those already held at the start.
     */
    default void onProgress(final long completedBytes)
    {
    }
}
