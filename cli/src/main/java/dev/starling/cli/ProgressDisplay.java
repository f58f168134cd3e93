package dev.starling.cli;

import dev.starling.dataplane.download.DownloadListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A terminal progress bar for a download (the progressbar library), updated from the download's listener.
 */
final class ProgressDisplay implements DownloadListener, AutoCloseable
{
    private final String name;
    private ProgressBar bar;

    private ProgressDisplay(final String name)
    {
        this.name = name;
    }

    static ProgressDisplay bar(final String name)
    {
        return new ProgressDisplay(name);
    }

    @Override
    public void onStart(final long contentLengthBytes, final long alreadyHeldBytes)
    {
        bar = new ProgressBarBuilder()
            .setTaskName(name)
            .setInitialMax(Math.max(contentLengthBytes, -1))
            .setStyle(ProgressBarStyle.ASCII)
            .setUnit("MiB", 1 << 20)
            .showSpeed()
            .setUpdateIntervalMillis(200)
            .build();
        bar.stepTo(alreadyHeldBytes);
    }

    @Override
    public void onProgress(final long completedBytes)
    {
        if (bar != null)
        {
            bar.stepTo(completedBytes);
        }
    }

    @Override
    public void close()
    {
        if (bar != null)
        {
            bar.close();
        }
    }
}
