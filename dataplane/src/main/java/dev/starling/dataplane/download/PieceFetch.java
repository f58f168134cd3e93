package dev.starling.dataplane.download;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.source.BodySink;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceDigest;
import dev.starling.dataplane.transport.PieceReceiver;
import dev.starling.dataplane.transport.PieceStatus;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * One slot of a download: fetches a piece at a time, from the origin or from a peer, writing its bytes straight
 * from the network
 * buffer to the content file at their offset and hashing them on the way. Reused for piece after piece, so the
 * per-piece path allocates nothing of its own.
 * <p>
 * Threading: {@link #start} runs on the coordinator; the {@link BodySink} callbacks on an I/O thread; the
 * coordinator reads the outcome after taking the slot off the completion queue, which orders the two.
 */
final class PieceFetch implements BodySink, PieceReceiver
{
    private final TaskHandle handle;
    private final ManyToOneConcurrentArrayQueue<PieceFetch> completions;
    private final PieceDigest.Hasher hasher;
    private final byte[] pieceDigest = new byte[Digest.SHA256_LENGTH_BYTES];
    private final byte[] peerDigest = new byte[Digest.SHA256_LENGTH_BYTES];
    private final byte[] trustedDigest = new byte[Digest.SHA256_LENGTH_BYTES];
    private boolean checkTrusted;
    private boolean digestMismatch;
    private PieceStatus peerStatus;
    /** The parent asked (its peer id), 0 for the origin. */
    long parentPeerId;
    /** When the request went out. */
    long startNs;
    boolean fromPeer;
    /** The peer connection this slot asks, or null; fixed for the download. */
    dev.starling.dataplane.transport.PeerConnection peer;

    int pieceIndex = -1;
    int attempts;
    long retryAtNs;
    private long offset;
    private int length;
    private long written;
    private long received;
    private StarlingException error;

    PieceFetch(final TaskHandle handle, final ManyToOneConcurrentArrayQueue<PieceFetch> completions)
    {
        this.handle = handle;
        this.completions = completions;
        this.hasher = handle.pieceDigest().newHasher();
    }

    void prepare(final int pieceIndex, final long offset, final int length, final boolean fromPeer)
    {
        this.fromPeer = fromPeer;
        this.pieceIndex = pieceIndex;
        this.offset = offset;
        this.length = length;
        this.written = 0;
        this.received = 0;
        this.error = null;
        this.checkTrusted = false;
        this.digestMismatch = false;
        this.peerStatus = null;
        this.parentPeerId = 0;
        this.startNs = System.nanoTime();
        if (!fromPeer)
        {
            this.attempts++;
        }
        hasher.reset();
    }

    /**
     * Checks the piece against this digest (from the scheduler) rather than the one the parent sends with it.
     *
     * @param digest       the trusted digest; caller retains (copied).
     * @param digestOffset where its 32 bytes start.
     */
    void trust(final byte[] digest, final int digestOffset)
    {
        System.arraycopy(digest, digestOffset, trustedDigest, 0, trustedDigest.length);
        checkTrusted = true;
    }

    void clear()
    {
        pieceIndex = -1;
        attempts = 0;
    }

    @Override
    public void onBody(final ByteBuffer data)
    {
        received += data.remaining();
        if (error != null)
        {
            return;
        }
        try
        {
            final int start = data.position();
            hasher.update(data);
            data.position(start);
            final int n = data.remaining();
            handle.write(offset + written, data);
            written += n;
        }
        catch (final StarlingException ex)
        {
            error = ex;
        }
        catch (final RuntimeException ex)
        {
            error = new StarlingException(ErrorCode.INTERNAL, "writing piece " + pieceIndex + ": " + ex, ex);
        }
    }

    @Override
    public void onComplete(final long bodyLengthBytes)
    {
        if (error == null && written != length)
        {
            error = new StarlingException(ErrorCode.ORIGIN_TRANSFER, "piece " + pieceIndex + ": got " + written +
                " of " + length + " bytes");
        }
        if (error == null)
        {
            hasher.finish(pieceDigest, 0);
        }
        offerCompletion();
    }

    @Override
    public void onError(final StarlingException error)
    {
        if (this.error == null)
        {
            this.error = error;
        }
        offerCompletion();
    }

    @Override
    public void onPieceStart(final int pieceIndex, final int length, final byte[] digest)
    {
        if (pieceIndex != this.pieceIndex || length != this.length)
        {
            error = new StarlingException(ErrorCode.PEER_FAILED, "peer answered piece " + pieceIndex + " of " +
                length + " bytes for piece " + this.pieceIndex + " of " + this.length);
        }
        System.arraycopy(digest, 0, peerDigest, 0, peerDigest.length);
    }

    @Override
    public void onPieceData(final ByteBuffer data)
    {
        onBody(data);
    }

    @Override
    public void onPieceEnd()
    {
        if (error == null && written == length)
        {
            hasher.finish(pieceDigest, 0);
            if (!MessageDigest.isEqual(pieceDigest, checkTrusted ? trustedDigest : peerDigest))
            {
                digestMismatch = true;
                error = new StarlingException(ErrorCode.PEER_FAILED, "piece " + pieceIndex +
                    " from the peer fails its digest (corrupt, or the peer uses another piece-digest)");
            }
            offerCompletion();
            return;
        }
        onComplete(written);
    }

    @Override
    public void onPieceFailed(final PieceStatus status, final String reason)
    {
        peerStatus = status;
        onError(new StarlingException(ErrorCode.PEER_FAILED, reason));
    }

    private void offerCompletion()
    {
        while (!completions.offer(this))
        {
            Thread.onSpinWait();
        }
    }

    StarlingException error()
    {
        return error;
    }

    /**
     * @return true when the piece arrived whole but failed its digest.
     */
    boolean digestMismatch()
    {
        return digestMismatch;
    }

    /**
     * @return the status a parent answered instead of the piece, or null (the piece came, or the connection failed).
     */
    PieceStatus peerStatus()
    {
        return peerStatus;
    }

    byte[] pieceDigest()
    {
        return pieceDigest;
    }

    long receivedBytes()
    {
        return received;
    }

    int length()
    {
        return length;
    }
}
