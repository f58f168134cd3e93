package dev.starling.dataplane.download;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.Digest;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.task.TaskId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The whole-content hash over the finished prefix: bounded steps for a download's coordinator, the rest at the end,
 * and a mismatch that forgets the content.
 */
class ContentHasherTest
{
    private static final int PIECE = 64 << 10;
    private static final int PIECES = 5;

    @TempDir
    Path tmp;

    private PieceStore store;
    private TaskHandle handle;
    private byte[] content;

    @BeforeEach
    void setUp()
    {
        store = PieceStore.open(new DataplaneContext().dataDir(tmp.resolve("data")).quotaBytes(1L << 30)
            .indexMaxTasks(1024).conclude());
        content = new byte[PIECES * PIECE - 100];
        new Random(7).nextBytes(content);
        handle = store.openTask(TaskId.ofUrl("http://origin/hashed", null, null),
            PieceLayout.of(content.length, PIECE), null);
    }

    @AfterEach
    void tearDown()
    {
        handle.close();
        store.close();
    }

    private static Digest sha256(final byte[] bytes)
    {
        return Digest.of(Digest.newSha256().digest(bytes));
    }

    private void land(final int piece)
    {
        final PieceLayout layout = handle.layout();
        handle.write(layout.pieceOffset(piece),
            ByteBuffer.wrap(content, (int)layout.pieceOffset(piece), layout.pieceLength(piece)));
        handle.commitPiece(piece, new byte[32], 0);
    }

    @Test
    void shouldHashAtMostTheGivenPiecesOfTheFinishedPrefixPerStep()
    {
        final ContentHasher hasher =
            new ContentHasher(handle, sha256(content), ByteBuffer.allocateDirect(PIECE));
        land(0);
        land(1);
        land(3);
        assertEquals(1, hasher.advance(1));
        assertEquals(1, hasher.advance(1));
        assertEquals(0, hasher.advance(1), "piece 2 is missing: the prefix stops there");
        land(2);
        land(4);
        assertEquals(2, hasher.advance(2));
        assertEquals(1, hasher.advance(), "the rest of the prefix at once");
        assertEquals(sha256(content), hasher.finish());
    }

    @Test
    void shouldForgetTheContentWhenItsDigestDiffers()
    {
        final byte[] other = content.clone();
        other[0] ^= 1;
        final ContentHasher hasher =
            new ContentHasher(handle, sha256(other), ByteBuffer.allocateDirect(PIECE));
        for (int i = 0; i < PIECES; i++)
        {
            land(i);
        }
        assertEquals(PIECES, hasher.advance());
        final StarlingException ex = assertThrows(StarlingException.class, hasher::finish);
        assertEquals(ErrorCode.DIGEST_MISMATCH, ex.code());
        assertFalse(handle.isPieceFinished(0), "the pieces are forgotten");
    }

    @Test
    void shouldHashNothingWithoutAnExpectedDigest()
    {
        final ContentHasher hasher = new ContentHasher(handle, null, ByteBuffer.allocateDirect(PIECE));
        land(0);
        assertEquals(0, hasher.advance());
        assertEquals(null, hasher.finish());
    }
}
