package io.riffle.log.group;

import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

import org.apache.kafka.common.Uuid;

/**
 * A server-side assignor of the consumer protocol (KIP-848): turns the members' subscriptions
 * into a target assignment. Implementations are stateless and thread-safe.
 */
interface PartitionAssignor {

    /** A topic some member subscribes to, as the assignor sees it. */
    record SubscribedTopic(String name, Uuid id, int partitions) {
    }

    /** The name clients use in {@code group.remote.assignor}. */
    String name();

    /**
     * @param subscriptions member id → names of the (existing) topics it subscribes to
     * @param topics        every topic some member subscribes to, by name
     * @param previous      the current target assignment, to stay close to (stickiness)
     * @return member id → its target partitions, for every member of {@code subscriptions}
     */
    Map<String, Set<PartitionRef>> assign(SortedMap<String, Set<String>> subscriptions, Map<String, SubscribedTopic> topics,
                                          Map<String, Set<PartitionRef>> previous);
}
