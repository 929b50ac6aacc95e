package io.riffle.log.server;

import io.riffle.log.cluster.MetadataStore;
import io.riffle.log.cluster.ReplicaManager;
import io.riffle.log.cluster.TopicController;
import io.riffle.log.config.BrokerConfig;
import io.riffle.log.network.ApiVersionRanges;
import io.riffle.log.storage.LogManager;
import io.riffle.log.txn.ProducerIdManager;

/**
 * What request handlers share: the node's config and its components. Immutable.
 *
 * @param advertisedHost the host clients are told to connect to, or null to answer with the
 *                       address each client reached us on
 * @param advertisedPort the port clients are told to connect to
 */
public record ApiContext(BrokerConfig config, LogManager logManager, ReplicaManager replicaManager,
                         TopicController controller, MetadataStore metadata, ProducerIdManager producerIds,
                         ApiVersionRanges versions, String advertisedHost, java.util.function.IntSupplier advertisedPort,
                         String clusterId) {
}
