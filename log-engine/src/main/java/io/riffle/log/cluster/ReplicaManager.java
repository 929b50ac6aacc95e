package io.riffle.log.cluster;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.riffle.log.config.BrokerConfig;
import io.riffle.log.config.LogConfig;
import io.riffle.log.storage.AppendResult;
import io.riffle.log.storage.LogManager;
import io.riffle.log.storage.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * The partitions this node hosts, created and removed as the cluster metadata changes, and the
 * entry point for appends to them. After an append it tells listeners (parked fetches) that
 * the partition grew.
 *
 * <p>Thread-safety: the partition map is concurrent; each partition guards itself.
 */
public final class ReplicaManager {
    private final BrokerConfig config;
    private final LogManager logManager;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final List<Consumer<TopicPartition>> appendListeners = new CopyOnWriteArrayList<>();

    public ReplicaManager(BrokerConfig config, LogManager logManager) {
        this.config = config;
        this.logManager = logManager;
    }

    public int nodeId() {
        return config.nodeId();
    }

    public LogManager logManager() {
        return logManager;
    }

    public void addAppendListener(Consumer<TopicPartition> listener) {
        appendListeners.add(listener);
    }

    public Optional<Partition> partition(TopicPartition tp) {
        return Optional.ofNullable(partitions.get(tp));
    }

    public Collection<Partition> partitions() {
        return partitions.values();
    }

    /** Creates or updates the local partitions of a topic to match its metadata. */
    public void applyTopic(TopicInfo topic) {
        LogConfig logConfig = LogConfig.effective(config.logDefaults(), topic.configs());
        for (TopicInfo.PartitionAssignment a : topic.partitions()) {
            if (!a.replicas().contains(config.nodeId())) {
                continue;
            }
            TopicPartition tp = new TopicPartition(topic.name(), a.partition());
            Partition.State state = new Partition.State(a.leader(), a.leaderEpoch(), a.replicas(), a.isr());
            Partition existing = partitions.get(tp);
            if (existing != null) {
                existing.log().updateConfig(logConfig);
                existing.updateState(state);
            } else {
                PartitionLog partitionLog = logManager.getOrCreateLog(tp, logConfig);
                partitionLog.updateConfig(logConfig);
                partitions.put(tp, new Partition(tp, topic.id(), config.nodeId(), partitionLog, state));
            }
        }
    }

    /** Removes a deleted topic's partitions and their logs. */
    public void removeTopic(TopicInfo topic) {
        for (TopicInfo.PartitionAssignment a : topic.partitions()) {
            TopicPartition tp = new TopicPartition(topic.name(), a.partition());
            partitions.remove(tp);
            logManager.deleteLog(tp);
        }
    }

    /** Writes a commit or abort marker to one partition for the transaction coordinator. */
    public AppendResult appendEndTxnMarker(TopicPartition tp, long producerId, short producerEpoch, int coordinatorEpoch,
                                           boolean commit) {
        Partition partition = partitions.get(tp);
        if (partition == null) {
            return AppendResult.error(Errors.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host " + tp);
        }
        AppendResult result = partition.appendEndTxnMarker(producerId, producerEpoch, coordinatorEpoch, commit);
        if (result.error() == Errors.NONE) {
            for (Consumer<TopicPartition> listener : appendListeners) {
                listener.accept(tp);
            }
        }
        return result;
    }

    /** Appends one partition's records; unknown partitions answer UNKNOWN_TOPIC_OR_PARTITION. */
    public AppendResult append(TopicPartition tp, MemoryRecords records, short acks) {
        return append(tp, records, acks, false);
    }

    /** Appends records a coordinator on this node writes (acks=all; producer sequences unchecked). */
    public AppendResult appendFromCoordinator(TopicPartition tp, MemoryRecords records) {
        return append(tp, records, (short) -1, true);
    }

    private AppendResult append(TopicPartition tp, MemoryRecords records, short acks, boolean fromCoordinator) {
        Partition partition = partitions.get(tp);
        if (partition == null) {
            return AppendResult.error(Errors.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host " + tp);
        }
        AppendResult result = partition.appendRecordsToLeader(records, acks, fromCoordinator);
        if (result.error() == Errors.NONE && result.recordCount() > 0) {
            for (Consumer<TopicPartition> listener : appendListeners) {
                listener.accept(tp);
            }
        }
        return result;
    }
}
