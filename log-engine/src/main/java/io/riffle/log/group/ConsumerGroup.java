package io.riffle.log.group;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.riffle.log.group.PartitionAssignor.SubscribedTopic;

/**
 * The state of one consumer-protocol (KIP-848) group: its epochs, members, target assignment
 * and who currently owns which partition. The protocol itself is in
 * {@link ConsumerGroupCoordinator}.
 *
 * <p>Not thread-safe: guarded by its own monitor ({@code synchronized (group)}).
 */
final class ConsumerGroup {

    /** The states ListGroups and ConsumerGroupDescribe report. */
    enum State {
        EMPTY("Empty"), ASSIGNING("Assigning"), RECONCILING("Reconciling"), STABLE("Stable"), DEAD("Dead");

        final String wireName;

        State(String wireName) {
            this.wireName = wireName;
        }
    }

    final String groupId;
    /** Bumped whenever membership, subscriptions or subscribed topics' partition counts change. */
    int groupEpoch;
    /** The group epoch the target assignment was computed for. */
    int targetEpoch;
    final Map<String, ConsumerGroupMember> members = new LinkedHashMap<>();
    /** group.instance.id → member id of static members. */
    final Map<String, String> staticMembers = new HashMap<>();
    /** member id → the partitions the target assignment gives it. */
    final Map<String, Set<PartitionRef>> targetAssignment = new HashMap<>();
    /** partition → the member that owns it (assigned or not yet revoked). */
    final Map<PartitionRef, String> owners = new HashMap<>();
    /** The subscribed topics (name, id, partition count) as of the group epoch. */
    Map<String, SubscribedTopic> subscribedTopics = Map.of();
    boolean dead;
    long emptySince;
    /** The snapshot last written to __consumer_offsets; a heartbeat that changes nothing writes nothing. */
    byte[] lastStored;

    ConsumerGroup(String groupId, long now) {
        this.groupId = groupId;
        this.emptySince = now;
    }

    State state() {
        if (dead) {
            return State.DEAD;
        }
        if (members.isEmpty()) {
            return State.EMPTY;
        }
        if (groupEpoch != targetEpoch) {
            return State.ASSIGNING;
        }
        for (ConsumerGroupMember m : members.values()) {
            if (m.memberEpoch != targetEpoch || m.state != ConsumerGroupMember.State.STABLE) {
                return State.RECONCILING;
            }
        }
        return State.STABLE;
    }

    ConsumerGroupMember member(String memberId) {
        return members.get(memberId);
    }

    ConsumerGroupMember staticMember(String instanceId) {
        String id = staticMembers.get(instanceId);
        return id == null ? null : members.get(id);
    }

    void add(ConsumerGroupMember m) {
        members.put(m.memberId, m);
        if (m.instanceId != null) {
            staticMembers.put(m.instanceId, m.memberId);
        }
        for (PartitionRef p : m.owned()) {
            owners.put(p, m.memberId);
        }
    }

    void remove(ConsumerGroupMember m, long now) {
        members.remove(m.memberId);
        if (m.instanceId != null) {
            staticMembers.remove(m.instanceId, m.memberId);
        }
        owners.values().removeIf(m.memberId::equals);
        targetAssignment.remove(m.memberId);
        if (members.isEmpty()) {
            emptySince = now;
        }
    }

    /** Records a change of what the member owns (after reconciliation). */
    void updateOwnership(ConsumerGroupMember m, Set<PartitionRef> before) {
        for (PartitionRef p : before) {
            owners.remove(p, m.memberId);
        }
        for (PartitionRef p : m.owned()) {
            owners.put(p, m.memberId);
        }
    }

    /** Whether another member than the given one still owns the partition. */
    boolean ownedByOther(PartitionRef p, String memberId) {
        String owner = owners.get(p);
        return owner != null && !owner.equals(memberId);
    }

    Set<PartitionRef> target(String memberId) {
        return targetAssignment.getOrDefault(memberId, new TreeSet<>());
    }

    /** The topics the members subscribe to (for OffsetDelete's GROUP_SUBSCRIBED_TO_TOPIC). */
    Set<String> subscribedTopicNames() {
        return subscribedTopics.keySet();
    }
}
