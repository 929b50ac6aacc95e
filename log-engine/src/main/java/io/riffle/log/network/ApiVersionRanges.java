package io.riffle.log.network;

import java.util.EnumSet;
import java.util.Set;

import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The APIs this broker serves and their version ranges: exactly Kafka 4.3's ranges for each
 * served API (kafka-clients' stable range), because other clients decide features from what
 * is advertised. One exception, as in Kafka 4.x: Produce is advertised from v0 though only
 * v3+ is served, since librdkafka compresses only when it sees Produce v0 (KAFKA-18659).
 *
 * <p>Immutable and thread-safe.
 */
public final class ApiVersionRanges {
    private final Set<ApiKeys> served;

    public ApiVersionRanges(Set<ApiKeys> served) {
        this.served = EnumSet.copyOf(served);
    }

    /** Whether a request of this API and version can be parsed and handled. */
    public boolean supports(ApiKeys key, short version) {
        return served.contains(key) && version >= key.oldestVersion() && version <= key.latestVersion(false);
    }

    /** The ranges to advertise in an ApiVersions response. */
    public ApiVersionCollection advertised() {
        ApiVersionCollection versions = new ApiVersionCollection();
        for (ApiKeys key : served) {
            short min = key == ApiKeys.PRODUCE ? 0 : key.oldestVersion();
            versions.add(new ApiVersion().setApiKey(key.id).setMinVersion(min).setMaxVersion(key.latestVersion(false)));
        }
        return versions;
    }

    public Set<ApiKeys> served() {
        return served;
    }
}
