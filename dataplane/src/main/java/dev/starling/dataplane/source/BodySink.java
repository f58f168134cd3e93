package dev.starling.dataplane.source;

import dev.starling.dataplane.error.StarlingException;

import java.nio.ByteBuffer;

/**
 * Receives the body of one origin request, in order, on the backend's I/O thread. Exactly one of
 * {@link #onComplete} or {@link #onError} ends each request.
 */
public interface BodySink
{
    /**
     * Body bytes in order. Caller retains {@code data}; it is valid only during the call and its position may be
     * moved by the sink.
     *
     * @param data the next body bytes.
     */
    void onBody(ByteBuffer data);

    /**
     * The request delivered every byte asked for.
     *
     * @param bodyLengthBytes bytes delivered.
     */
    void onComplete(long bodyLengthBytes);

    /**
     * The request failed; bytes delivered so far may be a partial body.
     *
     * @param error what went wrong, with a stable code; {@link dev.starling.dataplane.error.ErrorCode#retryable()}
     *              says whether another attempt may succeed.
     */
    void onError(StarlingException error);
}
