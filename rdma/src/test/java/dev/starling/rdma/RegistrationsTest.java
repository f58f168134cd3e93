package dev.starling.rdma;

import dev.starling.dataplane.testkit.NginxOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class RegistrationsTest
{
    private static final int PIECE = 64 << 10;

    @TempDir
    Path tmp;

    private FileChannel channel;
    private Registrations registrations;

    @BeforeEach
    void open() throws Exception
    {
        final Path file = NginxOrigin.writeRandomFile(tmp.resolve("content"), 8L * PIECE, 3);
        channel = FileChannel.open(file, StandardOpenOption.READ);
        registrations = new Registrations(new LoopbackFabric(), 3L * PIECE);
    }

    @AfterEach
    void close() throws Exception
    {
        registrations.close();
        channel.close();
    }

    @Test
    void shouldShareOneRegistrationPerPieceAndMapItsBytes() throws Exception
    {
        final Registrations.Registration a = registrations.acquire(channel, PIECE, PIECE);
        final Registrations.Registration b = registrations.acquire(channel, PIECE, PIECE);
        assertSame(a, b);
        assertEquals(2, registrations.leases());
        assertEquals(PIECE, registrations.registeredBytes());
        final ByteBuffer expected = ByteBuffer.allocate(8);
        channel.read(expected, PIECE);
        assertEquals(expected.getLong(0), MemorySegment.ofAddress(a.address).reinterpret(8)
            .get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0));
        registrations.release(a);
        registrations.release(b);
        assertEquals(0, registrations.leases());
    }

    @Test
    void shouldAnswerNullWhenEveryRegistrationIsLeasedAndTheBudgetIsFull() throws Exception
    {
        final Registrations.Registration[] held = new Registrations.Registration[3];
        for (int p = 0; p < 3; p++)
        {
            held[p] = registrations.acquire(channel, (long)p * PIECE, PIECE);
            assertNotNull(held[p]);
        }
        assertNull(registrations.acquire(channel, 3L * PIECE, PIECE), "no room: the piece goes in-band");
        registrations.release(held[1]);
        registrations.release(held[0]);
        registrations.release(registrations.acquire(channel, 0, PIECE)); // piece 0 used again: now the newest
        final Registrations.Registration fourth = registrations.acquire(channel, 3L * PIECE, PIECE);
        assertNotNull(fourth, "the oldest idle registration made room");
        assertEquals(3L * PIECE, registrations.registeredBytes());
        assertSame(held[0], registrations.acquire(channel, 0, PIECE), "piece 0 was used last: it stayed");
        assertNull(registrations.acquire(channel, 0, 4 * PIECE), "larger than the budget");
    }

    @Test
    void shouldDropRegistrationsOfClosedFilesFirst() throws Exception
    {
        final Path other = NginxOrigin.writeRandomFile(tmp.resolve("other"), 2L * PIECE, 4);
        try (FileChannel closedLater = FileChannel.open(other, StandardOpenOption.READ))
        {
            registrations.release(registrations.acquire(closedLater, 0, PIECE));
        }
        final Registrations.Registration a = registrations.acquire(channel, 0, PIECE);
        registrations.release(a);
        registrations.release(registrations.acquire(channel, PIECE, PIECE));
        // Room for the third piece needs nothing evicted by the budget, but the closed file's registration goes.
        registrations.acquire(channel, 2L * PIECE, PIECE);
        assertEquals(3L * PIECE, registrations.registeredBytes());
        assertSame(a, registrations.acquire(channel, 0, PIECE));
    }
}
