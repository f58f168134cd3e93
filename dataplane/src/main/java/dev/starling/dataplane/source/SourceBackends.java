package dev.starling.dataplane.source;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Chooses the origin backend for a URL by its scheme. Owns the backends registered with it and closes them.
 */
public final class SourceBackends implements AutoCloseable
{
    private final Map<String, SourceBackend> bySchemes = new LinkedHashMap<>();
    private final List<SourceBackend> backends = new ArrayList<>();

    /**
     * @param backend backend to add; ownership transfers to this registry.
     * @return this.
     */
    public SourceBackends register(final SourceBackend backend)
    {
        backends.add(backend);
        for (final String scheme : backend.schemes())
        {
            bySchemes.put(scheme, backend);
        }
        return this;
    }

    /**
     * @param url artifact URL.
     * @return the backend serving its scheme.
     * @throws StarlingException {@link ErrorCode#UNSUPPORTED_SCHEME} when none does.
     */
    public SourceBackend forUrl(final URI url)
    {
        final String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        final SourceBackend backend = bySchemes.get(scheme);
        if (backend == null)
        {
            throw new StarlingException(ErrorCode.UNSUPPORTED_SCHEME, "no origin backend for scheme '" + scheme +
                "' in " + url + " (supported: " + String.join(", ", bySchemes.keySet()) + ")");
        }
        return backend;
    }

    @Override
    public void close()
    {
        for (final SourceBackend b : backends)
        {
            b.close();
        }
    }
}
