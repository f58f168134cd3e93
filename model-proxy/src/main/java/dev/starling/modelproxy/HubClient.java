package dev.starling.modelproxy;

import java.net.URI;

/**
 * A hub's listing API, as {@code starling get hf://…} and {@code modelscope://…} use it: which files a repository
 * holds at a revision, and where each one is downloaded from. {@link HubApi} speaks Hugging Face's API,
 * {@link ModelScopeApi} ModelScope's. Implementations are immutable and may be called from any thread; each call
 * blocks on the upstream.
 */
public interface HubClient
{
    /**
     * @return the revision used when the caller names none: {@code main} on Hugging Face, {@code master} on
     *     ModelScope.
     */
    String defaultRevision();

    /**
     * Resolves {@code revision} and lists every file of the repository at it.
     *
     * @param type     repository type.
     * @param repoId   {@code ORG/NAME} ({@link HubNames#isValidRepoId}).
     * @param revision branch, tag or commit ({@link HubNames#isValidRevision}).
     * @return the listing; every path in it is safe ({@link HubNames#isSafePath}).
     * @throws dev.starling.dataplane.error.StarlingException {@code ORIGIN_NOT_FOUND} for an unknown repository,
     *     revision or type, {@code ORIGIN_DENIED} for a gated or private repository without a usable token,
     *     {@code ORIGIN_UNREACHABLE} / {@code ORIGIN_ERROR} when the hub cannot be reached or answers nonsense,
     *     {@code BAD_TARGET} when the listing names a path that could escape a target directory.
     */
    HubListing list(RepoType type, String repoId, String revision);

    /**
     * @param file a file of a listing from this client.
     * @return the absolute URL its bytes are downloaded from (with the token as {@code Authorization: Bearer}, when
     *     there is one; the URL itself never carries it).
     */
    URI downloadUrl(HubFile file);
}
