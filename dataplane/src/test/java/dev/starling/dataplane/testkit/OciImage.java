package dev.starling.dataplane.testkit;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * A container image built in Java, without Docker, as an
 * <a href="https://github.com/opencontainers/image-spec/blob/main/image-layout.md">OCI image layout</a> directory:
 * {@code oci-layout}, {@code index.json} naming one manifest under {@link #ref()}, and {@code blobs/sha256/}
 * holding the image manifest ({@value #MANIFEST_MEDIA_TYPE}), the config and one gzip'd tar per layer.
 * {@code skopeo copy oci:DIR:REF ...} reads it, which is how {@link RegistryFixture#push} puts it into a registry.
 * <p>
 * Layer {@code i} (from 0) holds a directory {@code layer-i/} and, in it, regular files {@code file-j.bin} of
 * pseudo-random bytes. Everything derives from one seed, so the same builder options give byte-identical blobs, hence
 * the same digests, on every run. Each file's seed is recorded in its {@link LayerFile}, so a test that unpacks an
 * image (containerd, a proxy) can check the files without keeping their bytes around.
 * <p>
 * The tar headers are minimal POSIX ustar, written by hand: a directory entry, then the files, mode 0644, owner 0:0,
 * mtime 0, then the two zero blocks that end the archive. Random content does not compress, so a layer blob is a few
 * hundred bytes larger than its files.
 * <p>
 * Immutable once built; the layout directory belongs to the test that built it.
 */
public final class OciImage
{
    /** Media type of the image manifest. */
    public static final String MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
    /** Media type of the image config. */
    public static final String CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
    /** Media type of each layer. */
    public static final String LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";
    /** Media type of the layout's {@code index.json}. */
    public static final String INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json";

    private static final String REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";
    private static final int TAR_BLOCK_BYTES = 512;
    private static final int WRITE_CHUNK_BYTES = 64 * 1024;

    private final Path layoutDir;
    private final String ref;
    private final Blob manifest;
    private final Blob config;
    private final List<Layer> layers;

    private OciImage(final Path layoutDir, final String ref, final Blob manifest, final Blob config,
        final List<Layer> layers)
    {
        this.layoutDir = layoutDir;
        this.ref = ref;
        this.manifest = manifest;
        this.config = config;
        this.layers = List.copyOf(layers);
    }

    /**
     * @param layoutDir directory to write the layout into; created if missing, and must hold no other layout.
     * @return a builder; add at least one layer.
     */
    public static Builder builder(final Path layoutDir)
    {
        return new Builder(layoutDir);
    }

    /**
     * @return the OCI image layout directory.
     */
    public Path layoutDir()
    {
        return layoutDir;
    }

    /**
     * @return the name {@code index.json} gives the manifest ({@value #REF_NAME_ANNOTATION}), the {@code REF} in
     * {@code oci:DIR:REF}.
     */
    public String ref()
    {
        return ref;
    }

    /**
     * @return the image manifest; its digest is the image's digest.
     */
    public Blob manifest()
    {
        return manifest;
    }

    /**
     * @return the image config.
     */
    public Blob config()
    {
        return config;
    }

    /**
     * @return the layers, bottom first, in manifest order.
     */
    public List<Layer> layers()
    {
        return layers;
    }

    /**
     * @return every blob a registry serves under {@code /v2/<name>/blobs/}: the config, then the layers.
     */
    public List<Blob> blobs()
    {
        final List<Blob> blobs = new ArrayList<>();
        blobs.add(config);
        layers.forEach(layer -> blobs.add(layer.blob()));
        return List.copyOf(blobs);
    }

    /**
     * @return the sum of {@link #blobs()}' sizes: what a client downloads to pull the image, manifest aside.
     */
    public long blobBytes()
    {
        return blobs().stream().mapToLong(Blob::sizeBytes).sum();
    }

    /**
     * The bytes {@link NginxOrigin#writeRandomFile(Path, long, long)} writes for the same seed and size.
     *
     * @param seed      seed of the content.
     * @param sizeBytes how many bytes.
     * @return new array of deterministic pseudo-random bytes.
     */
    public static byte[] randomBytes(final long seed, final int sizeBytes)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final ByteBuffer buffer = ByteBuffer.allocate((sizeBytes + 7) & ~7).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining())
        {
            buffer.putLong(random.nextLong());
        }
        final byte[] bytes = new byte[sizeBytes];
        buffer.flip().get(bytes);
        return bytes;
    }

    /**
     * One content-addressed blob of the layout.
     *
     * @param mediaType media type the manifest (or index) gives it.
     * @param digest    {@code sha256:<64 hex>}.
     * @param sizeBytes length in bytes.
     * @param path      the file under {@code blobs/sha256/}.
     */
    public record Blob(String mediaType, String digest, long sizeBytes, Path path)
    {
        /**
         * @return the blob's bytes, read from the layout.
         */
        public byte[] readBytes()
        {
            try
            {
                return Files.readAllBytes(path);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
    }

    /**
     * One layer.
     *
     * @param blob   the gzip'd tar as stored and served.
     * @param diffId {@code sha256:<hex>} of the uncompressed tar, as the config's {@code rootfs.diff_ids} lists it.
     * @param files  the regular files in the tar, in tar order.
     */
    public record Layer(Blob blob, String diffId, List<LayerFile> files)
    {
        /**
         * @param blob   the gzip'd tar.
         * @param diffId digest of the uncompressed tar.
         * @param files  regular files, copied.
         */
        public Layer
        {
            files = List.copyOf(files);
        }
    }

    /**
     * A regular file in a layer; its bytes are {@link OciImage#randomBytes(long, int) randomBytes(seed, sizeBytes)}.
     *
     * @param path      path inside the image, relative, for example {@code layer-0/file-1.bin}.
     * @param seed      seed of the content.
     * @param sizeBytes length of the file.
     */
    public record LayerFile(String path, long seed, int sizeBytes)
    {
        /**
         * @return the file's bytes, generated again from the seed.
         */
        public byte[] content()
        {
            return randomBytes(seed, sizeBytes);
        }
    }

    /**
     * Options for an {@link OciImage}. Not thread-safe.
     */
    public static final class Builder
    {
        private final Path layoutDir;
        private final List<int[]> layerShapes = new ArrayList<>();
        private long seed = 1;
        private String ref = "latest";

        private Builder(final Path layoutDir)
        {
            this.layoutDir = Objects.requireNonNull(layoutDir, "layoutDir");
        }

        /**
         * @param seed seed every file's content derives from; 1 unless set.
         * @return this.
         */
        public Builder seed(final long seed)
        {
            this.seed = seed;
            return this;
        }

        /**
         * @param ref name {@code index.json} gives the manifest; {@code latest} unless set.
         * @return this.
         */
        public Builder ref(final String ref)
        {
            if (ref.isEmpty() || ref.contains(":") || ref.contains("/"))
            {
                throw new IllegalArgumentException("ref must be a plain tag: " + ref);
            }
            this.ref = ref;
            return this;
        }

        /**
         * Add a layer on top of those added so far.
         *
         * @param fileCount     how many files the layer holds, at least 1.
         * @param fileSizeBytes size of each file.
         * @return this.
         */
        public Builder addLayer(final int fileCount, final int fileSizeBytes)
        {
            if (fileCount < 1 || fileSizeBytes < 0)
            {
                throw new IllegalArgumentException("bad layer shape: " + fileCount + " files of " + fileSizeBytes);
            }
            layerShapes.add(new int[]{ fileCount, fileSizeBytes });
            return this;
        }

        /**
         * @param layerCount    how many layers to add.
         * @param fileCount     files in each.
         * @param fileSizeBytes size of each file.
         * @return this.
         */
        public Builder addLayers(final int layerCount, final int fileCount, final int fileSizeBytes)
        {
            for (int i = 0; i < layerCount; i++)
            {
                addLayer(fileCount, fileSizeBytes);
            }
            return this;
        }

        /**
         * Write the layout.
         *
         * @return the image.
         * @throws IOException if the layout cannot be written.
         */
        public OciImage build() throws IOException
        {
            if (layerShapes.isEmpty())
            {
                throw new IllegalStateException("an image needs at least one layer");
            }
            final Path dir = layoutDir.toAbsolutePath().normalize();
            final Path blobsDir = dir.resolve("blobs").resolve("sha256");
            Files.createDirectories(blobsDir);

            final SplittableRandom seeds = new SplittableRandom(seed);
            final List<Layer> layers = new ArrayList<>();
            for (int i = 0; i < layerShapes.size(); i++)
            {
                final int[] shape = layerShapes.get(i);
                final List<LayerFile> files = new ArrayList<>();
                for (int j = 0; j < shape[0]; j++)
                {
                    files.add(new LayerFile("layer-" + i + "/file-" + j + ".bin", seeds.nextLong(), shape[1]));
                }
                layers.add(writeLayer(blobsDir, "layer-" + i + "/", files));
            }

            final Blob config = writeBlob(blobsDir, CONFIG_MEDIA_TYPE, configJson(layers));
            final Blob manifest = writeBlob(blobsDir, MANIFEST_MEDIA_TYPE, manifestJson(config, layers));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"mediaType\":\"" + INDEX_MEDIA_TYPE +
                "\",\"manifests\":[{\"mediaType\":\"" + MANIFEST_MEDIA_TYPE + "\",\"digest\":\"" + manifest.digest() +
                "\",\"size\":" + manifest.sizeBytes() + ",\"annotations\":{\"" + REF_NAME_ANNOTATION + "\":\"" + ref +
                "\"}}]}");
            return new OciImage(dir, ref, manifest, config, layers);
        }

        private static Layer writeLayer(final Path blobsDir, final String dirEntry, final List<LayerFile> files)
            throws IOException
        {
            final Path temp = Files.createTempFile(blobsDir, "layer", ".tmp");
            final MessageDigest blobDigest = sha256();
            final MessageDigest tarDigest = sha256();
            try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(temp));
                DigestOutputStream blob = new DigestOutputStream(file, blobDigest);
                GZIPOutputStream gzip = new GZIPOutputStream(blob, WRITE_CHUNK_BYTES);
                DigestOutputStream tar = new DigestOutputStream(gzip, tarDigest))
            {
                tar.write(tarHeader(dirEntry, 0, '5', 0755));
                for (final LayerFile layerFile : files)
                {
                    tar.write(tarHeader(layerFile.path(), layerFile.sizeBytes(), '0', 0644));
                    tar.write(layerFile.content());
                    tar.write(new byte[padding(layerFile.sizeBytes())]);
                }
                tar.write(new byte[2 * TAR_BLOCK_BYTES]);
            }
            final Blob blob = moveIntoPlace(temp, blobsDir, LAYER_MEDIA_TYPE, blobDigest);
            return new Layer(blob, "sha256:" + HexFormat.of().formatHex(tarDigest.digest()), files);
        }

        private static Blob writeBlob(final Path blobsDir, final String mediaType, final String json)
            throws IOException
        {
            final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            final Path temp = Files.createTempFile(blobsDir, "blob", ".tmp");
            Files.write(temp, bytes);
            final MessageDigest digest = sha256();
            digest.update(bytes);
            return moveIntoPlace(temp, blobsDir, mediaType, digest);
        }

        private static Blob moveIntoPlace(
            final Path temp, final Path blobsDir, final String mediaType, final MessageDigest digest)
            throws IOException
        {
            final String hex = HexFormat.of().formatHex(digest.digest());
            final Path target = blobsDir.resolve(hex);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Blob(mediaType, "sha256:" + hex, Files.size(target), target);
        }

        private static String configJson(final List<Layer> layers)
        {
            final StringBuilder json = new StringBuilder(
                "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\"," +
                "\"diff_ids\":[");
            for (int i = 0; i < layers.size(); i++)
            {
                json.append(i == 0 ? "" : ",").append('"').append(layers.get(i).diffId()).append('"');
            }
            return json.append("]}}").toString();
        }

        private static String manifestJson(final Blob config, final List<Layer> layers)
        {
            final StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"")
                .append(MANIFEST_MEDIA_TYPE).append("\",\"config\":");
            appendDescriptor(json, config);
            json.append(",\"layers\":[");
            for (int i = 0; i < layers.size(); i++)
            {
                json.append(i == 0 ? "" : ",");
                appendDescriptor(json, layers.get(i).blob());
            }
            return json.append("]}").toString();
        }

        private static void appendDescriptor(final StringBuilder json, final Blob blob)
        {
            json.append("{\"mediaType\":\"").append(blob.mediaType())
                .append("\",\"digest\":\"").append(blob.digest())
                .append("\",\"size\":").append(blob.sizeBytes()).append('}');
        }
    }

    private static byte[] tarHeader(final String name, final long sizeBytes, final char type, final int mode)
    {
        final byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length > 100)
        {
            throw new IllegalArgumentException("tar name longer than 100 bytes: " + name);
        }
        final byte[] header = new byte[TAR_BLOCK_BYTES];
        System.arraycopy(nameBytes, 0, header, 0, nameBytes.length);
        putOctal(header, 100, 8, mode);
        putOctal(header, 108, 8, 0);
        putOctal(header, 116, 8, 0);
        putOctal(header, 124, 12, sizeBytes);
        putOctal(header, 136, 12, 0);
        header[156] = (byte)type;
        putAscii(header, 257, "ustar\0");
        putAscii(header, 263, "00");
        putAscii(header, 265, "root");
        putAscii(header, 297, "root");
        // The checksum is taken with its own field as eight spaces, then written as six octal digits, NUL, space.
        putAscii(header, 148, "        ");
        long checksum = 0;
        for (final byte b : header)
        {
            checksum += b & 0xFF;
        }
        putOctal(header, 148, 7, checksum);
        header[155] = ' ';
        return header;
    }

    /** Zero-padded octal in {@code length - 1} digits and a trailing NUL, as ustar numeric fields are. */
    private static void putOctal(final byte[] header, final int offset, final int length, final long value)
    {
        final String digits = Long.toOctalString(value);
        if (digits.length() > length - 1)
        {
            throw new IllegalArgumentException(value + " does not fit a " + length + "-byte tar field");
        }
        putAscii(header, offset, "0".repeat(length - 1 - digits.length()) + digits);
        header[offset + length - 1] = 0;
    }

    private static void putAscii(final byte[] header, final int offset, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }

    private static int padding(final long sizeBytes)
    {
        return (int)((TAR_BLOCK_BYTES - sizeBytes % TAR_BLOCK_BYTES) % TAR_BLOCK_BYTES);
    }

    private static MessageDigest sha256()
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every JDK has SHA-256", ex);
        }
    }
}
