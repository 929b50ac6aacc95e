package io.riffle.log.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Kafka's default server assignor, {@code uniform}: spreads all subscribed partitions so that
 * member loads differ by at most one where the subscriptions allow it, and keeps partitions
 * where they are when possible (sticky).
 *
 * <p>Algorithm: every member keeps the partitions of its previous target that still exist and
 * that it still subscribes to; free partitions go, one at a time, to the least-loaded member
 * subscribed to their topic; then partitions move from the most- to the least-loaded eligible
 * member while loads differ by more than one. Deterministic (members and partitions in sorted
 * order). Stateless.
 */
final class UniformAssignor implements PartitionAssignor {
    static final String NAME = "uniform";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Set<PartitionRef>> assign(SortedMap<String, Set<String>> subscriptions,
                                                 Map<String, SubscribedTopic> topics,
                                                 Map<String, Set<PartitionRef>> previous) {
        Map<org.apache.kafka.common.Uuid, String> topicNames = new HashMap<>();
        for (SubscribedTopic t : topics.values()) {
            topicNames.put(t.id(), t.name());
        }
        Map<String, TreeSet<PartitionRef>> result = new TreeMap<>();
        Set<PartitionRef> taken = new java.util.HashSet<>();
        for (Map.Entry<String, Set<String>> e : subscriptions.entrySet()) {
            TreeSet<PartitionRef> kept = new TreeSet<>();
            for (PartitionRef p : previous.getOrDefault(e.getKey(), Set.of())) {
                String topic = topicNames.get(p.topicId());
                if (topic != null && e.getValue().contains(topic) && p.partition() < topics.get(topic).partitions()
                        && taken.add(p)) {
                    kept.add(p);
                }
            }
            result.put(e.getKey(), kept);
        }
        // free partitions to the least-loaded eligible member
        List<SubscribedTopic> sortedTopics = new ArrayList<>(topics.values());
        sortedTopics.sort((a, b) -> a.name().compareTo(b.name()));
        for (SubscribedTopic t : sortedTopics) {
            for (int i = 0; i < t.partitions(); i++) {
                PartitionRef p = new PartitionRef(t.id(), i);
                if (taken.contains(p)) {
                    continue;
                }
                String best = null;
                for (Map.Entry<String, Set<String>> e : subscriptions.entrySet()) {
                    if (e.getValue().contains(t.name())
                            && (best == null || result.get(e.getKey()).size() < result.get(best).size())) {
                        best = e.getKey();
                    }
                }
                if (best != null) {
                    result.get(best).add(p);
                    taken.add(p);
                }
            }
        }
        balance(subscriptions, topicNames, result);
        return new TreeMap<>(result);
    }

    /** Moves partitions from heavier to lighter eligible members until no move helps. */
    private static void balance(SortedMap<String, Set<String>> subscriptions, Map<org.apache.kafka.common.Uuid, String> topicNames,
                                Map<String, TreeSet<PartitionRef>> result) {
        boolean moved = true;
        while (moved) {
            moved = false;
            List<String> byLoad = new ArrayList<>(result.keySet());
            byLoad.sort((a, b) -> Integer.compare(result.get(b).size(), result.get(a).size()));
            outer:
            for (String heavy : byLoad) {
                for (PartitionRef p : result.get(heavy).descendingSet()) {
                    String topic = topicNames.get(p.topicId());
                    String light = null;
                    for (String candidate : byLoad) {
                        if (subscriptions.get(candidate).contains(topic)
                                && result.get(candidate).size() < result.get(heavy).size() - 1
                                && (light == null || result.get(candidate).size() < result.get(light).size())) {
                            light = candidate;
                        }
                    }
                    if (light != null) {
                        result.get(heavy).remove(p);
                        result.get(light).add(p);
                        moved = true;
                        break outer;
                    }
                }
            }
        }
    }
}
