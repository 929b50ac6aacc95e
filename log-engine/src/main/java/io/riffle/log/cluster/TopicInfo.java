package io.riffle.log.cluster;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.Uuid;

/**
 * A topic as the cluster metadata records it: name, id, its partitions' assignments, and its
 * config overrides. Immutable; changes produce a new instance.
 */
public record TopicInfo(String name, Uuid id, List<PartitionAssignment> partitions, Map<String, String> configs) {

    /** One partition's replicas, leader, in-sync replicas and leader epoch. */
    public record PartitionAssignment(int partition, List<Integer> replicas, int leader, List<Integer> isr,
                                      int leaderEpoch) {
    }

    public int partitionCount() {
        return partitions.size();
    }

    public boolean internal() {
        return name.startsWith("__");
    }
}
