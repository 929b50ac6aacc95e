package io.riffle.log.group;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledFuture;

/**
 * A member of a consumer-protocol (KIP-848) group: what it subscribes to and where its
 * reconciliation stands. See {@link ConsumerGroupCoordinator} for the epochs and states.
 *
 * <p>Not thread-safe: guarded by its group's monitor.
 */
final class ConsumerGroupMember {

    /** Where the member is on its way to its target assignment. */
    enum State {
        /** Owns exactly its target assignment at the target epoch. */
        STABLE(0),
        /** Must first give up partitions (pendingRevocation) before it may advance its epoch. */
        UNREVOKED_PARTITIONS(1),
        /** At the target epoch, waiting for partitions other members still have to release. */
        UNRELEASED_PARTITIONS(2);

        final int code;

        State(int code) {
            this.code = code;
        }

        static State of(int code) {
            for (State s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            throw new IllegalArgumentException("Unknown member state " + code);
        }
    }

    /** Epoch a member sends to leave the group. */
    static final int LEAVE_EPOCH = -1;
    /** Epoch a static member sends to leave temporarily (it keeps its partitions until its session ends). */
    static final int STATIC_LEAVE_EPOCH = -2;

    final String memberId;
    String instanceId;
    String rackId;
    String clientId = "";
    String clientHost = "";
    int rebalanceTimeoutMs;
    List<String> subscribedTopicNames = List.of();
    String subscribedTopicRegex;
    String serverAssignor;

    int memberEpoch;
    int previousMemberEpoch;
    State state = State.STABLE;
    /** Partitions the member may use, each with the epoch at which it was given to the member. */
    final Map<PartitionRef, Integer> assigned = new HashMap<>();
    /** Partitions the member was asked to give up and has not confirmed yet (still owned). */
    final Set<PartitionRef> pendingRevocation = new TreeSet<>();

    ScheduledFuture<?> sessionTimer;
    ScheduledFuture<?> revocationTimer;
    int revocationTimerEpoch;

    ConsumerGroupMember(String memberId) {
        this.memberId = memberId;
    }

    boolean isStatic() {
        return instanceId != null;
    }

    void updateEpoch(int epoch) {
        previousMemberEpoch = memberEpoch;
        memberEpoch = epoch;
    }

    /** Everything this member owns: what it may use and what it has not yet given back. */
    Set<PartitionRef> owned() {
        Set<PartitionRef> owned = new TreeSet<>(assigned.keySet());
        owned.addAll(pendingRevocation);
        return owned;
    }
}
