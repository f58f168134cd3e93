package dev.starling.modelproxy;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Recently resolved files (upstream, repository, revision, path → commit, etag, size), so that the clients'
 * {@code HEAD}, ranged probe and {@code GET} of one file ask the upstream once. A branch can move: entries live
 * only for the configured time. Thread-safe.
 */
final class MetadataCache
{
    private static final int MAX_ENTRIES = 4096;

    private record Entry(FileMetadata metadata, long untilMs)
    {
    }

    private final long ttlMs;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    MetadataCache(final long ttlMs)
    {
        this.ttlMs = ttlMs;
    }

    FileMetadata get(final String key, final long nowMs)
    {
        final Entry e = entries.get(key);
        return e != null && e.untilMs > nowMs ? e.metadata : null;
    }

    void put(final String key, final FileMetadata metadata, final long nowMs)
    {
        if (ttlMs <= 0)
        {
            return;
        }
        if (entries.size() >= MAX_ENTRIES)
        {
            entries.entrySet().removeIf(e -> e.getValue().untilMs <= nowMs);
            if (entries.size() >= MAX_ENTRIES)
            {
                entries.clear();
            }
        }
        entries.put(key, new Entry(metadata, nowMs + ttlMs));
    }
}
