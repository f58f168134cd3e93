package dev.starling.ociproxy;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The registry mirror's own metrics, registered in the node's registry (so {@code /metrics} shows them):
 * <ul>
 *     <li>{@code starling_mirror_ranged_requests_total} (counter: blob GETs with a {@code Range} header, such as a
 *     runtime resuming an interrupted pull)</li>
 *     <li>{@code starling_mirror_plain_http_fallbacks_total} (counter: registries listed in
 *     {@code --registry-insecure} that did not speak TLS and are reached over plain HTTP; at most one per registry
 *     per daemon run)</li>
 * </ul>
 * One per mirror. Thread-safe.
 */
final class MirrorMetrics
{
    private final CounterDataPoint rangedRequests;
    private final CounterDataPoint plainHttpFallbacks;

    /**
     * @param registry where to register; a registry takes one mirror's metrics.
     */
    MirrorMetrics(final PrometheusRegistry registry)
    {
        rangedRequests = Counter.builder()
            .name("starling_mirror_ranged_requests_total")
            .help("Blob GETs with a Range header (a runtime resuming an interrupted pull)")
            .withoutExemplars()
            .register(registry);
        plainHttpFallbacks = Counter.builder()
            .name("starling_mirror_plain_http_fallbacks_total")
            .help("Insecure registries that did not speak TLS and are reached over plain HTTP")
            .withoutExemplars()
            .register(registry);
    }

    /**
     * A blob GET carried a Range header.
     */
    void onRangedRequest()
    {
        rangedRequests.inc();
    }

    /**
     * An insecure registry is reached over plain HTTP from now on.
     */
    void onPlainHttpFallback()
    {
        plainHttpFallbacks.inc();
    }

    /**
     * @return ranged blob GETs so far.
     */
    long rangedRequests()
    {
        return (long)rangedRequests.get();
    }

    /**
     * @return plain-HTTP fallbacks so far.
     */
    long plainHttpFallbacks()
    {
        return (long)plainHttpFallbacks.get();
    }
}
