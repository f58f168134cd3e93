package dev.starling.modelproxy;

import java.util.Locale;

/**
 * The kinds of hub repository, with the URL segments the hub API uses for each.
 */
public enum RepoType
{
    MODEL("models", ""),
    DATASET("datasets", "datasets/"),
    SPACE("spaces", "spaces/");

    private final String apiSegment;
    private final String resolvePrefix;

    RepoType(final String apiSegment, final String resolvePrefix)
    {
        this.apiSegment = apiSegment;
        this.resolvePrefix = resolvePrefix;
    }

    /**
     * @return the segment in {@code /api/{segment}/{repo}/…}: {@code models}, {@code datasets}, {@code spaces}.
     */
    public String apiSegment()
    {
        return apiSegment;
    }

    /**
     * @return the prefix of file URLs, {@code /{prefix}{repo}/resolve/…}: empty for models.
     */
    public String resolvePrefix()
    {
        return resolvePrefix;
    }

    /**
     * @param segment {@code models}, {@code datasets} or {@code spaces} (any case).
     * @return the type, or null when unknown.
     */
    public static RepoType ofSegment(final String segment)
    {
        for (final RepoType t : values())
        {
            if (t.apiSegment.equals(segment.toLowerCase(Locale.ROOT)))
            {
                return t;
            }
        }
        return null;
    }
}
