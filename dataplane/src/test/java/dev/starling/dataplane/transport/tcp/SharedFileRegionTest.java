package dev.starling.dataplane.transport.tcp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SharedFileRegionTest
{
    @TempDir
    Path tmp;

    private Path file(final int length) throws IOException
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i * 31 + 7);
        }
        return Files.write(tmp.resolve("content"), bytes);
    }

    private static byte[] send(final SharedFileRegion region) throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final WritableByteChannel target = Channels.newChannel(out);
        while (region.transferred() < region.count())
        {
            region.transferTo(target, region.transferred());
        }
        return out.toByteArray();
    }

    @Test
    void shouldReachNettysFieldsSoRegionsAreRecycled()
    {
        assertTrue(SharedFileRegion.isRecycling(), "Netty's DefaultFileRegion fields moved: regions are no longer reused");
    }

    @Test
    void shouldReturnToPoolOnLastReleaseAndComeBackForTheNextPiece() throws IOException
    {
        final Path path = file(1000);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            final SharedFileRegion.Pool pool = new SharedFileRegion.Pool();
            final SharedFileRegion first = pool.acquire(channel, 10, 100);
            first.retain();
            first.release();
            assertEquals(0, pool.freeCount());
            assertTrue(first.release());
            assertEquals(1, pool.freeCount());
            assertTrue(channel.isOpen(), "the piece source owns the channel");

            final SharedFileRegion second = pool.acquire(channel, 500, 50);
            assertSame(first, second);
            assertEquals(0, pool.freeCount());
            assertEquals(1, second.refCnt());
            assertEquals(500, second.position());
            assertEquals(50, second.count());
            assertEquals(0, second.transferred());
        }
    }

    @Test
    void shouldSendEachPiecesRangeAfterReuse() throws IOException
    {
        final Path path = file(1000);
        final byte[] all = Files.readAllBytes(path);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            final SharedFileRegion.Pool pool = new SharedFileRegion.Pool();
            final SharedFileRegion first = pool.acquire(channel, 10, 100);
            assertArrayEquals(Arrays.copyOfRange(all, 10, 110), send(first));
            first.release();

            final SharedFileRegion second = pool.acquire(channel, 900, 100);
            assertSame(first, second);
            assertArrayEquals(Arrays.copyOfRange(all, 900, 1000), send(second));
            assertEquals(100, second.transferred());
        }
    }

    @Test
    void shouldFailWhenTheFileIsShorterThanTheRegion() throws IOException
    {
        final Path path = file(100);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            final SharedFileRegion.Pool pool = new SharedFileRegion.Pool();
            final SharedFileRegion region = pool.acquire(channel, 50, 100);
            final WritableByteChannel target = Channels.newChannel(new ByteArrayOutputStream());
            assertEquals(50, region.transferTo(target, 0));
            assertThrows(IOException.class, () -> region.transferTo(target, region.transferred()));
            assertTrue(region.release());
            assertEquals(0, pool.freeCount(), "a region the file does not cover is not one of the pool's");
        }
    }

    @Test
    void shouldFailWhenTheFileIsShortenedAfterARecycledRegionWasHandedOut() throws IOException
    {
        final Path path = file(200);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final SharedFileRegion.Pool pool = new SharedFileRegion.Pool();
            final SharedFileRegion region = pool.acquire(channel, 50, 100);
            channel.truncate(100);
            final WritableByteChannel target = Channels.newChannel(new ByteArrayOutputStream());
            assertEquals(50, region.transferTo(target, 0));
            assertThrows(IOException.class, () -> region.transferTo(target, region.transferred()));
        }
    }
}
