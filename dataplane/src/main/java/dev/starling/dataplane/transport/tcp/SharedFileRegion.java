package dev.starling.dataplane.transport.tcp;

import io.netty.channel.DefaultFileRegion;

import java.nio.channels.FileChannel;

/**
 * A file region over a channel the store keeps open for many pieces: unlike {@link DefaultFileRegion} it does
 * not close the channel when Netty releases the region.
 */
final class SharedFileRegion extends DefaultFileRegion
{
    SharedFileRegion(final FileChannel channel, final long position, final long count)
    {
        super(channel, position, count);
    }

    @Override
    protected void deallocate()
    {
        // The channel belongs to the piece source, which closes it when the task is no longer served.
    }
}
