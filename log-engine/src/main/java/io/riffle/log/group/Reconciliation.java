package io.riffle.log.group;

import java.util.Set;
import java.util.TreeSet;

/**
 * The reconciliation state machine of a consumer-protocol member (KIP-848; Kafka calls it the
 * current assignment builder): one step per heartbeat from what the member has towards its
 * target assignment, never giving a partition to a member while another one still owns it. See
 * {@link ConsumerGroupCoordinator} for the rules. Stateless; the caller holds the group monitor.
 */
final class Reconciliation {
    private Reconciliation() {
    }

    /** One step of the member's reconciliation state machine (see the class comment). */
    static void reconcile(ConsumerGroup group, ConsumerGroupMember m, Set<PartitionRef> reportedOwned) {
        switch (m.state) {
            case STABLE -> {
                if (m.memberEpoch != group.targetEpoch) {
                    nextAssignment(group, m, m.memberEpoch, reportedOwned);
                }
            }
            case UNREVOKED_PARTITIONS -> {
                if (reportedOwned == null || ownsAny(reportedOwned, m.pendingRevocation)) {
                    return;
                }
                m.pendingRevocation.clear();
                nextAssignment(group, m, Math.min(m.memberEpoch + 1, group.targetEpoch), reportedOwned);
            }
            case UNRELEASED_PARTITIONS -> nextAssignment(group, m, m.memberEpoch, reportedOwned);
        }
    }

    private static void nextAssignment(ConsumerGroup group, ConsumerGroupMember m, int epochIfRevoking,
                                       Set<PartitionRef> reportedOwned) {
        Set<PartitionRef> target = group.target(m.memberId);
        Set<PartitionRef> revoke = new TreeSet<>(m.assigned.keySet());
        revoke.removeAll(target);
        Set<PartitionRef> assign = new TreeSet<>(target);
        assign.removeAll(m.assigned.keySet());
        boolean unreleased = assign.removeIf(p -> group.ownedByOther(p, m.memberId));
        if (!revoke.isEmpty() && ownsAny(reportedOwned, revoke)) {
            m.assigned.keySet().removeAll(revoke);
            m.pendingRevocation.clear();
            m.pendingRevocation.addAll(revoke);
            m.state = ConsumerGroupMember.State.UNREVOKED_PARTITIONS;
            setEpoch(m, epochIfRevoking);
            return;
        }
        m.assigned.keySet().removeAll(revoke);
        m.pendingRevocation.clear();
        for (PartitionRef p : assign) {
            m.assigned.put(p, group.targetEpoch);
        }
        m.state = unreleased ? ConsumerGroupMember.State.UNRELEASED_PARTITIONS : ConsumerGroupMember.State.STABLE;
        setEpoch(m, group.targetEpoch);
    }

    private static void setEpoch(ConsumerGroupMember m, int epoch) {
        if (m.memberEpoch != epoch) {
            m.updateEpoch(epoch);
        }
    }

    /** Whether the member (by its report; no report: assume yes) still owns any of the partitions. */
    private static boolean ownsAny(Set<PartitionRef> reportedOwned, Set<PartitionRef> partitions) {
        if (reportedOwned == null) {
            return true;
        }
        for (PartitionRef p : partitions) {
            if (reportedOwned.contains(p)) {
                return true;
            }
        }
        return false;
    }

}
