package dev.starling.dataplane.serve;

import dev.starling.dataplane.task.Digest;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which (resource, credential) pairs the upstream recently confirmed: a front end serves content from the mesh to
 * a client only after the upstream answered that client's own request (a {@code HEAD} with its credentials) with
 * success, and reuses that answer for a short while. Credentials are kept only as a sha256. Thread-safe.
 */
public final class AccessCache
{
    private static final int MAX_ENTRIES = 4096;

    private final long ttlMs;
    private final ConcurrentHashMap<String, Long> confirmedUntil = new ConcurrentHashMap<>();

    /**
     * @param ttlMs how long a confirmation holds; 0 or less caches nothing.
     */
    public AccessCache(final long ttlMs)
    {
        this.ttlMs = ttlMs;
    }

    /**
     * @param resource      what was asked for, including the upstream it was asked of (registry, repository and
     *                      digest; hub, repository, revision and path).
     * @param authorization the client's {@code Authorization} header, or null.
     * @return the cache key; holds the credential only as a sha256.
     */
    public static String key(final String resource, final String authorization)
    {
        final String credential = authorization == null ? "-" : HexFormat.of().formatHex(
            Digest.newSha256().digest(authorization.getBytes(StandardCharsets.UTF_8)));
        return resource + ' ' + credential;
    }

    /**
     * @param key   from {@link #key}.
     * @param nowMs the wall clock.
     * @return true when the upstream confirmed this key less than the ttl ago.
     */
    public boolean isConfirmed(final String key, final long nowMs)
    {
        final Long until = confirmedUntil.get(key);
        return until != null && until > nowMs;
    }

    /**
     * Records that the upstream confirmed access for this key now.
     *
     * @param key   from {@link #key}.
     * @param nowMs the wall clock.
     */
    public void confirm(final String key, final long nowMs)
    {
        if (ttlMs <= 0)
        {
            return;
        }
        if (confirmedUntil.size() >= MAX_ENTRIES)
        {
            confirmedUntil.entrySet().removeIf(e -> e.getValue() <= nowMs);
            if (confirmedUntil.size() >= MAX_ENTRIES)
            {
                confirmedUntil.clear();
            }
        }
        confirmedUntil.put(key, nowMs + ttlMs);
    }
}
