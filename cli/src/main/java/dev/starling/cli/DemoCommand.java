package dev.starling.cli;

import dev.starling.dataplane.task.Digest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code starling demo}: the whole foundation on one machine with nothing installed. Generates a file, serves it
 * from a local HTTP origin, downloads it twice with {@code starling get} (the second time from the store alone)
 * and checks both copies byte for byte. The swarm replaces this with a local mesh.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Serve a generated file from a local origin and download it with 'starling get', twice.")
final class DemoCommand implements Callable<Integer>
{
    @Option(names = "--size", paramLabel = "SIZE", description = "Size of the generated file (default 256m).")
    String size = "256m";

    @Option(names = "--keep", description = "Keep the demo's temporary directory.")
    boolean keep;

    @Override
    public Integer call() throws Exception
    {
        final PrintStream out = System.out;
        final Path work = Files.createTempDirectory("starling-demo-");
        try
        {
            final Path file = work.resolve("artifact.bin");
            final String sha256 = generate(file, Sizes.parse(size));
            out.println("demo: generated " + Sizes.human(Files.size(file)) + " at " + file + " (sha256:" + sha256 + ")");
            try (DemoOrigin origin = new DemoOrigin(file))
            {
                final String url = "http://127.0.0.1:" + origin.port() + "/artifact.bin";
                out.println("demo: origin serving " + url);
                for (int round = 1; round <= 2; round++)
                {
                    final Path target = work.resolve("download-" + round + ".bin");
                    out.println("demo: starling get " + url + " -o " + target + (round == 2 ? "   (again: served from the store)" : ""));
                    final int code = Main.execute("get", url, "-o", target.toString(), "--data-dir",
                        work.resolve("data").toString(), "--digest", "sha256:" + sha256);
                    if (code != 0)
                    {
                        out.println("demo: FAILED with exit code " + code);
                        return code;
                    }
                    if (!sha256Of(target).equals(sha256))
                    {
                        out.println("demo: FAILED: " + target + " differs from the origin's file");
                        return 1;
                    }
                }
            }
            out.println("demo: OK: both downloads are byte-identical to the origin's file");
            return 0;
        }
        finally
        {
            if (keep)
            {
                out.println("demo: kept " + work);
            }
            else
            {
                deleteTree(work);
            }
        }
    }

    static String generate(final Path file, final long length) throws IOException
    {
        final MessageDigest sha = Digest.newSha256();
        final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        final SplittableRandom random = new SplittableRandom(42);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            long written = 0;
            while (written < length)
            {
                buf.clear();
                while (buf.remaining() >= 8)
                {
                    buf.putLong(random.nextLong());
                }
                buf.flip().limit((int)Math.min(buf.limit(), length - written));
                sha.update(buf.duplicate());
                written += ch.write(buf);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static String sha256Of(final Path file) throws IOException
    {
        final MessageDigest sha = Digest.newSha256();
        try (InputStream in = Files.newInputStream(file))
        {
            final byte[] b = new byte[1 << 16];
            int n;
            while ((n = in.read(b)) > 0)
            {
                sha.update(b, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static void deleteTree(final Path root) throws IOException
    {
        try (Stream<Path> s = Files.walk(root))
        {
            for (final Path p : (Iterable<Path>)s.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(p);
            }
        }
    }
}
