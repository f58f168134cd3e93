package dev.starling.dataplane.store;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;

/**
 * {@link TaskIndex} on a persisted Chronicle Map: 32-byte keys, variable-length values sized for all of a task's
 * pieces at creation.
 * <p>
 * A map that was not closed cleanly (the process was killed, perhaps holding a segment lock) is reopened with
 * Chronicle's recovery; the caller guarantees exclusive access through the data dir lock.
 */
public final class ChronicleTaskIndex implements TaskIndex
{
    private static final Logger LOG = LoggerFactory.getLogger(ChronicleTaskIndex.class);
    /** Name of the map file; the suffix is the index format version. */
    public static final String FILE_NAME = "tasks-v1.cm";
    private static final String CLEAN_MARKER = "tasks-v1.clean";

    private final ChronicleMap<byte[], byte[]> map;
    private final Path cleanMarker;
    private final ThreadLocal<Wrappers> wrappers = ThreadLocal.withInitial(Wrappers::new);

    private ChronicleTaskIndex(final ChronicleMap<byte[], byte[]> map, final Path cleanMarker)
    {
        this.map = map;
        this.cleanMarker = cleanMarker;
    }

    /**
     * Opens (creating, or recovering after a crash) the index in {@code dir}.
     *
     * @param dir            directory for the index files; created when missing.
     * @param maxTasks       number of tasks the index is sized for.
     * @param averagePieces  typical pieces per task (sizes the value area).
     * @return the open index.
     */
    public static ChronicleTaskIndex open(final Path dir, final long maxTasks, final int averagePieces)
    {
        final Path file = dir.resolve(FILE_NAME);
        final Path marker = dir.resolve(CLEAN_MARKER);
        try
        {
            Files.createDirectories(dir);
            final ChronicleMapBuilder<byte[], byte[]> builder = ChronicleMap.of(byte[].class, byte[].class)
                .name("starling-tasks")
                .entries(maxTasks)
                .constantKeySizeBySample(new byte[32])
                .averageValueSize(TaskRecord.lengthFor(averagePieces))
                // One segment: an entry must fit in one segment tier, and the largest record (65,536 pieces,
                // 2 MiB) only fits a tier of the whole map's size. Index updates are microseconds, once per
                // piece, so one segment lock is no bottleneck.
                .actualSegments(1)
                .maxBloatFactor(4.0)
                // The owner closes the index in its own shutdown order (after the last piece is committed).
                .skipCloseOnExitHook(true);
            final ChronicleMap<byte[], byte[]> map;
            if (Files.exists(file) && !Files.exists(marker))
            {
                LOG.warn("index {} was not closed cleanly; recovering it", file);
                map = builder.recoverPersistedTo(file.toFile(), true);
            }
            else
            {
                map = builder.createPersistedTo(file.toFile());
            }
            Files.deleteIfExists(marker);
            return new ChronicleTaskIndex(map, marker);
        }
        catch (final IOException | RuntimeException ex)
        {
            if (String.valueOf(ex.getMessage()).contains("Not enough space"))
            {
                throw new StarlingException(ErrorCode.DISK_FULL, "no room for the task index " + file + " (" +
                    ex.getMessage() + "): free space, lower --index-max-tasks, or move --data-dir", ex);
            }
            throw new StarlingException(ErrorCode.DATA_DIR_UNUSABLE,
                "cannot open the task index " + file + ": " + ex.getMessage() +
                " (check permissions and free space; delete the data dir to start afresh)", ex);
        }
    }

    @Override
    public boolean read(final byte[] key, final TaskRecord into)
    {
        try (ExternalMapQueryContext<byte[], byte[], ?> c = map.queryContext(key))
        {
            c.readLock().lock();
            final MapEntry<byte[], byte[]> entry = c.entry();
            if (entry == null)
            {
                return false;
            }
            final Data<byte[]> value = entry.value();
            final byte[] current = into.array();
            into.wrap(value.getUsing(current.length == value.size() ? current : null));
            return true;
        }
    }

    @Override
    public void write(final byte[] key, final TaskRecord record)
    {
        final Wrappers w = wrappers.get();
        final byte[] array = record.array();
        try (ExternalMapQueryContext<byte[], byte[], ?> c = map.queryContext(w.key(key), 0, key.length))
        {
            c.writeLock().lock();
            final MapEntry<byte[], byte[]> entry = c.entry();
            final Data<byte[]> value = c.wrapValueBytesAsData(w.value(array), 0, array.length);
            if (entry != null)
            {
                c.replaceValue(entry, value);
            }
            else
            {
                c.insert(c.absentEntry(), value);
            }
        }
    }

    /**
     * Chronicle wrappers of the last key and value arrays this thread wrote, so that writing the same task's
     * record again (every finished piece) allocates nothing: wrapping a byte[] for Chronicle costs two
     * reference-counted objects per call.
     */
    private static final class Wrappers
    {
        private byte[] keyArray;
        private BytesStore<?, ?> keyBytes;
        private byte[] valueArray;
        private BytesStore<?, ?> valueBytes;

        BytesStore<?, ?> key(final byte[] array)
        {
            if (array != keyArray)
            {
                keyArray = array;
                keyBytes = BytesStore.wrap(array);
            }
            return keyBytes;
        }

        BytesStore<?, ?> value(final byte[] array)
        {
            if (array != valueArray)
            {
                valueArray = array;
                valueBytes = BytesStore.wrap(array);
            }
            return valueBytes;
        }
    }

    @Override
    public boolean remove(final byte[] key)
    {
        try (ExternalMapQueryContext<byte[], byte[], ?> c = map.queryContext(key))
        {
            c.writeLock().lock();
            final MapEntry<byte[], byte[]> entry = c.entry();
            if (entry == null)
            {
                return false;
            }
            c.remove(entry);
            return true;
        }
    }

    @Override
    public void forEach(final BiConsumer<byte[], byte[]> visitor)
    {
        map.forEachEntry(e -> visitor.accept(e.key().get().clone(), e.value().get().clone()));
    }

    @Override
    public long size()
    {
        return map.longSize();
    }

    @Override
    public void close()
    {
        if (!map.isClosed())
        {
            map.close();
        }
        try
        {
            if (!Files.exists(cleanMarker))
            {
                Files.createFile(cleanMarker);
            }
        }
        catch (final IOException ex)
        {
            LOG.warn("could not mark the index closed cleanly ({}); it will be recovered on next open", ex.toString());
        }
    }
}
