package dev.starling.ociproxy;

import dev.starling.dataplane.task.Digest;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which (registry, repository, blob, credential) the upstream recently confirmed: a client is served a blob from
 * the mesh only after the upstream answered its own {@code HEAD} with success, and that answer is reused for a
 * short while. Credentials are kept only as a sha256. Thread-safe.
 */
final class AuthCache
{
    private static final int MAX_ENTRIES = 4096;

    private final long ttlMs;
    private final ConcurrentHashMap<String, Long> confirmedUntil = new ConcurrentHashMap<>();

    AuthCache(final long ttlMs)
    {
        this.ttlMs = ttlMs;
    }

    static String key(final String registry, final String name, final String digest, final String authorization)
    {
        final String credential = authorization == null ? "-" : HexFormat.of().formatHex(
            Digest.newSha256().digest(authorization.getBytes(StandardCharsets.UTF_8)));
        return registry + ' ' + name + ' ' + digest + ' ' + credential;
    }

    boolean isConfirmed(final String key, final long nowMs)
    {
        final Long until = confirmedUntil.get(key);
        return until != null && until > nowMs;
    }

    void confirm(final String key, final long nowMs)
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
