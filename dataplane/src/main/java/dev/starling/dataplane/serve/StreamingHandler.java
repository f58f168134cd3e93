package dev.starling.dataplane.serve;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A front end's per-connection handler that may stream a task ({@link TaskStream}): it resumes the stream when the
 * channel becomes writable again, releases it when the connection closes, and closes the connection on an
 * exception. Subclasses answer requests and {@link #stream(TaskStream) start} streams. Runs on the connection's
 * event loop.
 */
public abstract class StreamingHandler extends SimpleChannelInboundHandler<FullHttpRequest>
{
    private static final Logger LOG = LoggerFactory.getLogger(StreamingHandler.class);

    private final String name;
    private TaskStream stream;

    /**
     * @param name the front end's name, for log lines ("mirror", "hub").
     */
    protected StreamingHandler(final String name)
    {
        this.name = name;
    }

    /**
     * Starts streaming a task on this connection.
     *
     * @param taskStream the stream; this handler owns it from now on.
     */
    protected final void stream(final TaskStream taskStream)
    {
        stream = taskStream;
        taskStream.start();
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext channel)
    {
        if (stream != null && channel.channel().isWritable())
        {
            stream.pump();
        }
        channel.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext channel)
    {
        if (stream != null)
        {
            stream.finish();
        }
        channel.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext channel, final Throwable cause)
    {
        LOG.debug("{} connection {}: {}", name, channel.channel().remoteAddress(), cause.toString());
        channel.close();
    }
}
