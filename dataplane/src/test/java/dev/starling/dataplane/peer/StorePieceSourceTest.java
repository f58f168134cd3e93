package dev.starling.dataplane.peer;

import dev.starling.dataplane.config.DataplaneContext;
import dev.starling.dataplane.metrics.DataplaneMetrics;
import dev.starling.dataplane.store.PieceStore;
import dev.starling.dataplane.store.TaskHandle;
import dev.starling.dataplane.task.PieceLayout;
import dev.starling.dataplane.task.TaskId;
import dev.starling.dataplane.transport.PieceRegion;
import dev.starling.dataplane.transport.PieceStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StorePieceSourceTest
{
    private static final int PIECE = 64 * 1024;
    private static final int PIECES = 3;

    @TempDir
    Path tmp;

    private PieceStore store;
    private final TaskId task = TaskId.ofUrl("http://origin/blob", null, null);
    private final byte[] key = task.toBytes();
    private final PieceRegion region = new PieceRegion();

    @BeforeEach
    void setUp()
    {
        store = PieceStore.open(new DataplaneContext().dataDir(tmp.resolve("data")).quotaBytes(1L << 30)
            .indexMaxTasks(1024).conclude());
        try (TaskHandle h = store.openTask(task, PieceLayout.of((long)PIECES * PIECE, PIECE), null))
        {
            final byte[] digest = new byte[32];
            for (int i = 0; i < PIECES; i++)
            {
                h.write((long)i * PIECE, ByteBuffer.wrap(new byte[PIECE]));
                h.commitPiece(i, digest, 0);
            }
            h.complete(null);
        }
    }

    @AfterEach
    void tearDown()
    {
        if (store != null)
        {
            store.close();
        }
    }

    @Test
    void shouldServeEveryFinishedPieceWhenAskedOnANormalNode()
    {
        try (StorePieceSource source = new StorePieceSource(store, new DataplaneMetrics()))
        {
            for (int round = 0; round < 2; round++)
            {
                assertEquals(PieceStatus.OK, source.lookup(key, 0, region));
            }
            assertEquals(PieceStatus.BAD_REQUEST, source.lookup(key, PIECES, region));
        }
    }

    @Test
    void shouldSendEachPieceOnceBeforeAnyTwiceOnASeed()
    {
        final long[] now = {1_000};
        try (StorePieceSource seed = new StorePieceSource(store, new DataplaneMetrics(), true, () -> now[0]))
        {
            assertEquals(PieceStatus.OK, seed.lookup(key, 0, region));
            now[0] += 10 * StorePieceSource.RESEND_HOLD_NS;
            assertEquals(PieceStatus.BUSY, seed.lookup(key, 0, region), "piece 0 went out; others remain unsent");
            assertEquals(PieceStatus.OK, seed.lookup(key, 1, region));
            assertEquals(PieceStatus.BUSY, seed.lookup(key, 1, region));
            assertEquals(PieceStatus.OK, seed.lookup(key, 2, region));
            // Every piece went out once: a piece goes out again once its hold has passed since it last did.
            assertEquals(PieceStatus.OK, seed.lookup(key, 0, region), "piece 0 went out long ago");
            assertEquals(PieceStatus.BUSY, seed.lookup(key, 2, region), "piece 2 went out just now");
            assertEquals(PieceStatus.BUSY, seed.lookup(key, 0, region), "piece 0 went out again just now");
            now[0] += StorePieceSource.RESEND_HOLD_NS - 1;
            assertEquals(PieceStatus.BUSY, seed.lookup(key, 2, region), "not quite a hold since piece 2 went out");
            now[0] += 1;
            assertEquals(PieceStatus.OK, seed.lookup(key, 2, region));
            assertEquals(PieceStatus.OK, seed.lookup(key, 0, region));
            assertEquals(PieceStatus.OK, seed.lookup(key, 1, region));
        }
    }
}
