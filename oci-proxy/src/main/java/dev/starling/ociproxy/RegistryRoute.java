package dev.starling.ociproxy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed OCI distribution request path. Immutable.
 *
 * @param kind      what the path addresses.
 * @param name      the repository name, or null for {@code /v2/}.
 * @param reference the tag or digest (manifests) or the digest (blobs), else null.
 */
record RegistryRoute(Kind kind, String name, String reference)
{
    /** What a path addresses. */
    enum Kind
    {
        /** {@code /v2/}: the API version check. */
        BASE,
        /** {@code /v2/<name>/manifests/<reference>}. */
        MANIFEST,
        /** {@code /v2/<name>/blobs/<digest>}. */
        BLOB,
        /** Any other {@code /v2/...} path (tags, referrers, catalog): passed through. */
        OTHER,
        /** Not the distribution API, or a malformed name, reference or digest. */
        INVALID
    }

    /** Repository name components, per the distribution spec. */
    static final Pattern NAME = Pattern.compile(
        "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");
    /** A tag. */
    static final Pattern TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
    /** A digest, per the OCI image spec. */
    static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
    /** A sha256 digest. */
    static final Pattern SHA256 = Pattern.compile("sha256:[a-f0-9]{64}");
    private static final Pattern PATH = Pattern.compile("^/v2/(.+)/(manifests|blobs)/([^/]+)$");
    private static final int MAX_NAME_LENGTH = 255;

    /**
     * @param path the request path, without the query.
     * @return the route; {@link Kind#INVALID} with the reason in {@code reference} for a bad one.
     */
    static RegistryRoute parse(final String path)
    {
        if (path.equals("/v2/") || path.equals("/v2"))
        {
            return new RegistryRoute(Kind.BASE, null, null);
        }
        if (!path.startsWith("/v2/") || path.contains("/../") || path.endsWith("/..") || path.contains("//"))
        {
            return new RegistryRoute(Kind.INVALID, null, "NAME_UNKNOWN");
        }
        final Matcher m = PATH.matcher(path);
        if (!m.matches())
        {
            return new RegistryRoute(Kind.OTHER, null, null);
        }
        final String name = m.group(1);
        final String ref = m.group(3);
        if (name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches())
        {
            return new RegistryRoute(Kind.INVALID, name, "NAME_INVALID");
        }
        if (m.group(2).equals("blobs"))
        {
            final boolean valid = DIGEST.matcher(ref).matches() && (!ref.startsWith("sha256:") || SHA256.matcher(ref).matches());
            return valid ? new RegistryRoute(Kind.BLOB, name, ref) : new RegistryRoute(Kind.INVALID, name, "DIGEST_INVALID");
        }
        final boolean valid = TAG.matcher(ref).matches() ||
            DIGEST.matcher(ref).matches() && (!ref.startsWith("sha256:") || SHA256.matcher(ref).matches());
        return valid ? new RegistryRoute(Kind.MANIFEST, name, ref) : new RegistryRoute(Kind.INVALID, name, "MANIFEST_INVALID");
    }

    /**
     * @return true for a blob this mirror turns into a task (sha256; other algorithms pass through).
     */
    boolean isTaskBlob()
    {
        return kind == Kind.BLOB && reference.startsWith("sha256:");
    }
}
