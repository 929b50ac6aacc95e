package io.riffle.log.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.common.Uuid;

/**
 * One partition of a topic named by its topic id, as consumer-protocol (KIP-848) assignments
 * name them. Value type.
 */
public record PartitionRef(Uuid topicId, int partition) implements Comparable<PartitionRef> {

    @Override
    public int compareTo(PartitionRef o) {
        int c = topicId.compareTo(o.topicId);
        return c != 0 ? c : Integer.compare(partition, o.partition);
    }

    /** The partitions grouped by topic id, each topic's partitions ascending. */
    public static Map<Uuid, List<Integer>> byTopic(Collection<PartitionRef> partitions) {
        Map<Uuid, List<Integer>> out = new TreeMap<>();
        for (PartitionRef p : partitions) {
            out.computeIfAbsent(p.topicId(), id -> new ArrayList<>()).add(p.partition());
        }
        out.values().forEach(l -> l.sort(null));
        return out;
    }
}
