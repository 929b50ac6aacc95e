package io.riffle.log.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import io.riffle.log.cluster.MetadataStore;
import io.riffle.log.cluster.TopicInfo;
import io.riffle.log.group.PartitionAssignor.SubscribedTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes a consumer-protocol group's target assignment: resolves the members' subscriptions
 * (names and regexes) against the topics that exist, picks the group's server assignor and runs
 * it from the previous target. Thread-safe (stateless apart from the fixed assignor list); the
 * caller holds the group's monitor.
 */
final class TargetAssignmentBuilder {
    private static final Logger log = LoggerFactory.getLogger(TargetAssignmentBuilder.class);
    private final MetadataStore metadata;
    private final Map<String, PartitionAssignor> assignors = new LinkedHashMap<>();

    TargetAssignmentBuilder(MetadataStore metadata) {
        this.metadata = metadata;
        for (PartitionAssignor a : List.of(new UniformAssignor(), new RangeAssignor())) {
            assignors.put(a.name(), a);
        }
    }

    boolean supports(String assignor) {
        return assignors.containsKey(assignor);
    }

    Set<String> assignorNames() {
        return assignors.keySet();
    }

    /** The existing topics some member subscribes to, by name, with ids and partition counts. */
    Map<String, SubscribedTopic> resolveSubscribedTopics(ConsumerGroup group) {
        Map<String, SubscribedTopic> out = new TreeMap<>();
        List<Pattern> patterns = new ArrayList<>();
        for (ConsumerGroupMember m : group.members.values()) {
            for (String name : m.subscribedTopicNames) {
                metadata.topic(name).ifPresent(t -> out.put(t.name(), new SubscribedTopic(t.name(), t.id(), t.partitionCount())));
            }
            if (m.subscribedTopicRegex != null) {
                patterns.add(Pattern.compile(m.subscribedTopicRegex));
            }
        }
        if (!patterns.isEmpty()) {
            for (TopicInfo t : metadata.topics()) {
                if (!t.internal() && patterns.stream().anyMatch(p -> p.matcher(t.name()).matches())) {
                    out.put(t.name(), new SubscribedTopic(t.name(), t.id(), t.partitionCount()));
                }
            }
        }
        return out;
    }

    private static Set<String> topicsOf(ConsumerGroupMember m, Map<String, SubscribedTopic> subscribed) {
        Set<String> out = new TreeSet<>();
        for (String name : m.subscribedTopicNames) {
            if (subscribed.containsKey(name)) {
                out.add(name);
            }
        }
        if (m.subscribedTopicRegex != null) {
            Pattern p = Pattern.compile(m.subscribedTopicRegex);
            for (String name : subscribed.keySet()) {
                if (p.matcher(name).matches()) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    /** The assignor most members ask for; the first configured one (uniform) when none asks. */
    PartitionAssignor preferredAssignor(ConsumerGroup group) {
        Map<String, Integer> votes = new TreeMap<>();
        for (ConsumerGroupMember m : group.members.values()) {
            if (m.serverAssignor != null) {
                votes.merge(m.serverAssignor, 1, Integer::sum);
            }
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(e -> assignors.get(e.getKey()))
                .orElse(assignors.values().iterator().next());
    }

    void computeTargetAssignment(ConsumerGroup group) {
        SortedMap<String, Set<String>> subscriptions = new TreeMap<>();
        for (ConsumerGroupMember m : group.members.values()) {
            subscriptions.put(m.memberId, topicsOf(m, group.subscribedTopics));
        }
        PartitionAssignor assignor = preferredAssignor(group);
        Map<String, Set<PartitionRef>> target = assignor.assign(subscriptions, group.subscribedTopics,
                new HashMap<>(group.targetAssignment));
        group.targetAssignment.clear();
        target.forEach((member, partitions) -> group.targetAssignment.put(member, new TreeSet<>(partitions)));
        group.targetEpoch = group.groupEpoch;
        log.info("Group {}: target assignment for epoch {} computed by {} for {} member(s)", group.groupId,
                group.targetEpoch, assignor.name(), group.members.size());
    }

}
