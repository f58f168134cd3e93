package dev.starling.dataplane.transport;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link PieceReceiver} for tests: gathers the piece's bytes on the heap and completes when the piece ends or
 * fails.
 */
public class CollectingReceiver implements PieceReceiver
{
    /** What arrived. */
    public record Outcome(PieceStatus status, int pieceIndex, byte[] bytes, byte[] digest, String reason)
    {
    }

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<Outcome> done = new CompletableFuture<>();
    private int pieceIndex = -1;
    private byte[] digest;

    /**
     * @return completes with the outcome.
     */
    public CompletableFuture<Outcome> done()
    {
        return done;
    }

    @Override
    public void onPieceStart(final int pieceIndex, final int length, final byte[] digest)
    {
        this.pieceIndex = pieceIndex;
        this.digest = digest.clone();
    }

    @Override
    public void onPieceData(final ByteBuffer data)
    {
        final byte[] b = new byte[data.remaining()];
        data.get(b);
        bytes.write(b, 0, b.length);
    }

    @Override
    public void onPieceEnd()
    {
        done.complete(new Outcome(PieceStatus.OK, pieceIndex, bytes.toByteArray(), digest, null));
    }

    @Override
    public void onPieceFailed(final PieceStatus status, final String reason)
    {
        done.complete(new Outcome(status, pieceIndex, bytes.toByteArray(), digest, reason));
    }
}
