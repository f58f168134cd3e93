package dev.starling.cli;

import dev.starling.dataplane.download.DownloadListener;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Sums the progress of a repository's file downloads, which run side by side, into one listener (one progress bar
 * for the whole repository). Each file gets its own listener from {@link #forFile()}; their callbacks may come from
 * any thread.
 */
final class RepoProgress
{
    private final DownloadListener display;
    private final AtomicLong completedBytes = new AtomicLong();

    /**
     * @param display    where the sum goes.
     * @param totalBytes the size of all files together.
     */
    RepoProgress(final DownloadListener display, final long totalBytes)
    {
        this.display = display;
        display.onStart(totalBytes, 0);
    }

    /**
     * @return a listener for one file's download; use it for one download only.
     */
    DownloadListener forFile()
    {
        return new DownloadListener()
        {
            private long reported;

            @Override
            public void onStart(final long contentLengthBytes, final long alreadyHeldBytes)
            {
                onProgress(alreadyHeldBytes);
            }

            @Override
            public void onProgress(final long completed)
            {
                final long delta;
                synchronized (this)
                {
                    delta = completed - reported;
                    reported = Math.max(reported, completed);
                }
                if (delta > 0)
                {
                    advance(completedBytes.addAndGet(delta));
                }
            }
        };
    }

    private synchronized void advance(final long total)
    {
        display.onProgress(Math.max(total, completedBytes.get()));
    }
}
