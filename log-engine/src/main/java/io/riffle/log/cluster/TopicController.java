package io.riffle.log.cluster;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.riffle.log.config.BrokerConfig;
import io.riffle.log.config.LogConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.TopicDeletionDisabledException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;

/**
 * Decides topic changes — create, delete, add partitions, alter configs — validating them as
 * Kafka's controller does, records them in the {@link MetadataStore}, then applies them to the
 * local {@link ReplicaManager}. On one node the controller is local; a Raft quorum takes its
 * place for a cluster.
 *
 * <p>Thread-safety: every change is synchronized, so changes apply one at a time.
 */
public final class TopicController {
    private final BrokerConfig config;
    private final MetadataStore metadata;
    private final ReplicaManager replicaManager;

    public TopicController(BrokerConfig config, MetadataStore metadata, ReplicaManager replicaManager) {
        this.config = config;
        this.metadata = metadata;
        this.replicaManager = replicaManager;
    }

    public MetadataStore metadata() {
        return metadata;
    }

    /** The nodes of the cluster. */
    public List<Integer> liveNodes() {
        return List.of(config.nodeId());
    }

    /** Opens the local partitions of every known topic (at start-up). */
    public void loadAll() {
        for (TopicInfo topic : metadata.topics()) {
            replicaManager.applyTopic(topic);
        }
    }

    /**
     * Creates a topic.
     *
     * @param partitions -1 for num.partitions
     * @param replicationFactor -1 for default.replication.factor
     * @param validateOnly check everything but create nothing
     * @throws ApiException with the Kafka error for the client
     */
    public synchronized TopicInfo createTopic(String name, int partitions, short replicationFactor,
                                              Map<String, String> configs, boolean validateOnly) {
        try {
            Topic.validate(name);
        } catch (InvalidTopicException e) {
            throw e;
        }
        if (metadata.topic(name).isPresent()) {
            throw new TopicExistsException("Topic '" + name + "' already exists.");
        }
        for (TopicInfo other : metadata.topics()) {
            if (Topic.hasCollision(name, other.name())) {
                throw new InvalidTopicException("Topic '" + name + "' collides with existing topic '" + other.name()
                        + "': '.' and '_' are the same in metric names.");
            }
        }
        int count = partitions == -1 ? config.numPartitions() : partitions;
        if (count <= 0) {
            throw new InvalidPartitionsException("Number of partitions must be larger than 0.");
        }
        short rf = replicationFactor == -1 ? config.defaultReplicationFactor() : replicationFactor;
        if (rf <= 0) {
            throw new InvalidReplicationFactorException("Replication factor must be larger than 0.");
        }
        if (rf > liveNodes().size()) {
            throw new InvalidReplicationFactorException("Unable to replicate the partition " + rf
                    + " time(s): The target replication factor of " + rf + " cannot be reached because only "
                    + liveNodes().size() + " broker(s) are registered.");
        }
        validateConfigs(configs);
        List<TopicInfo.PartitionAssignment> assignments = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            assignments.add(localAssignment(p));
        }
        TopicInfo topic = new TopicInfo(name, Uuid.randomUuid(), List.copyOf(assignments),
                java.util.Collections.unmodifiableMap(new LinkedHashMap<>(configs)));
        if (!validateOnly) {
            store(topic);
            replicaManager.applyTopic(topic);
        }
        return topic;
    }

    private TopicInfo.PartitionAssignment localAssignment(int partition) {
        List<Integer> replicas = List.of(config.nodeId());
        return new TopicInfo.PartitionAssignment(partition, replicas, config.nodeId(), replicas, 0);
    }

    /** Validates topic overrides, failing with INVALID_CONFIG naming the key. */
    public LogConfig validateConfigs(Map<String, String> configs) {
        try {
            return LogConfig.effective(config.logDefaults(), configs);
        } catch (ConfigException e) {
            throw new InvalidConfigurationException(e.getMessage());
        }
    }

    /** Creates a topic on first use by a client (auto.create.topics.enable), if allowed. */
    public Optional<TopicInfo> maybeAutoCreate(String name) {
        if (!config.autoCreateTopics()) {
            return Optional.empty();
        }
        synchronized (this) {
            Optional<TopicInfo> existing = metadata.topic(name);
            if (existing.isPresent()) {
                return existing;
            }
            return Optional.of(createTopic(name, -1, (short) -1, Map.of(), false));
        }
    }

    public synchronized void deleteTopic(String name) {
        if (!config.deleteTopicEnable()) {
            throw new TopicDeletionDisabledException("Topic deletion is disabled (delete.topic.enable=false).");
        }
        TopicInfo topic = metadata.topic(name).orElseThrow(() ->
                new UnknownTopicOrPartitionException("This server does not host this topic: " + name));
        try {
            metadata.remove(topic);
        } catch (IOException e) {
            throw new KafkaStorageException("Could not record the deletion of " + name + ": " + e.getMessage(), e);
        }
        replicaManager.removeTopic(topic);
    }

    /** Grows a topic to newCount partitions. */
    public synchronized void createPartitions(String name, int newCount, boolean validateOnly) {
        TopicInfo topic = metadata.topic(name).orElseThrow(() ->
                new UnknownTopicOrPartitionException("This server does not host this topic: " + name));
        if (newCount < topic.partitionCount()) {
            throw new InvalidPartitionsException("Topic currently has " + topic.partitionCount()
                    + " partitions, which is higher than the requested " + newCount + ".");
        }
        if (newCount == topic.partitionCount()) {
            throw new InvalidPartitionsException("Topic already has " + topic.partitionCount() + " partitions.");
        }
        List<TopicInfo.PartitionAssignment> assignments = new ArrayList<>(topic.partitions());
        for (int p = topic.partitionCount(); p < newCount; p++) {
            assignments.add(localAssignment(p));
        }
        TopicInfo updated = new TopicInfo(topic.name(), topic.id(), List.copyOf(assignments), topic.configs());
        if (!validateOnly) {
            store(updated);
            replicaManager.applyTopic(updated);
        }
    }

    /** Replaces a topic's config overrides (validated as a whole). */
    public synchronized void setTopicConfigs(String name, Map<String, String> configs, boolean validateOnly) {
        TopicInfo topic = metadata.topic(name).orElseThrow(() ->
                new UnknownTopicOrPartitionException("This server does not host this topic: " + name));
        validateConfigs(configs);
        if (!validateOnly) {
            TopicInfo updated = new TopicInfo(topic.name(), topic.id(), topic.partitions(),
                    java.util.Collections.unmodifiableMap(new LinkedHashMap<>(configs)));
            store(updated);
            replicaManager.applyTopic(updated);
        }
    }

    private void store(TopicInfo topic) {
        try {
            metadata.put(topic);
        } catch (IOException e) {
            throw new KafkaStorageException("Could not record topic " + topic.name() + ": " + e.getMessage(), e);
        }
    }
}
