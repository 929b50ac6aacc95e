package io.riffle.log.group;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code range} server assignor: for each topic, the members subscribed to it (sorted by
 * member id) get consecutive ranges of its partitions, the first ones one partition more when
 * the division is not even. Co-partitioned topics thus land on the same member. Not sticky
 * beyond what the deterministic order gives. Stateless.
 */
final class RangeAssignor implements PartitionAssignor {
    static final String NAME = "range";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Set<PartitionRef>> assign(SortedMap<String, Set<String>> subscriptions,
                                                 Map<String, SubscribedTopic> topics,
                                                 Map<String, Set<PartitionRef>> previous) {
        Map<String, Set<PartitionRef>> result = new TreeMap<>();
        for (String member : subscriptions.keySet()) {
            result.put(member, new TreeSet<>());
        }
        for (SubscribedTopic t : topics.values()) {
            List<String> members = new ArrayList<>();
            for (Map.Entry<String, Set<String>> e : subscriptions.entrySet()) {
                if (e.getValue().contains(t.name())) {
                    members.add(e.getKey());
                }
            }
            if (members.isEmpty()) {
                continue;
            }
            int quota = t.partitions() / members.size();
            int extra = t.partitions() % members.size();
            int next = 0;
            for (int i = 0; i < members.size(); i++) {
                int count = quota + (i < extra ? 1 : 0);
                for (int k = 0; k < count; k++) {
                    result.get(members.get(i)).add(new PartitionRef(t.id(), next++));
                }
            }
        }
        return result;
    }
}
