package io.riffle.log.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/**
 * A group of the classic rebalance protocol: its members, generation, chosen protocol and
 * leader, and where it is in the rebalance state machine:
 *
 * <pre>
 *   EMPTY ──join──▶ PREPARING_REBALANCE ──all joined / timeout──▶ COMPLETING_REBALANCE
 *     ▲                    ▲   ▲                                        │ leader's SyncGroup
 *     │ last member leaves │   └────── member joins, leaves or dies ────┤
 *     └────────────────────┴──────────────────── STABLE ◀───────────────┘
 *   DEAD: deleted (DeleteGroups, or offsets expired while empty)
 * </pre>
 *
 * <p>Not thread-safe: every access holds the group's monitor ({@code synchronized (group)}),
 * which the {@link GroupCoordinator} takes.
 */
final class ClassicGroup {
    enum State {
        EMPTY("Empty"), PREPARING_REBALANCE("PreparingRebalance"), COMPLETING_REBALANCE("CompletingRebalance"),
        STABLE("Stable"), DEAD("Dead");

        final String wireName;

        State(String wireName) {
            this.wireName = wireName;
        }
    }

    /** One member of a classic group. */
    static final class Member {
        String memberId;
        final String groupInstanceId;
        final String clientId;
        final String clientHost;
        int rebalanceTimeoutMs;
        int sessionTimeoutMs;
        String protocolType;
        LinkedHashMap<String, byte[]> protocols;
        byte[] assignment = new byte[0];
        CompletableFuture<JoinGroupResponseData> awaitingJoin;
        CompletableFuture<SyncGroupResponseData> awaitingSync;
        ScheduledFuture<?> sessionTimer;
        long lastHeartbeatMs;

        Member(String memberId, String groupInstanceId, String clientId, String clientHost, int rebalanceTimeoutMs,
               int sessionTimeoutMs, String protocolType, LinkedHashMap<String, byte[]> protocols) {
            this.memberId = memberId;
            this.groupInstanceId = groupInstanceId;
            this.clientId = clientId;
            this.clientHost = clientHost;
            this.rebalanceTimeoutMs = rebalanceTimeoutMs;
            this.sessionTimeoutMs = sessionTimeoutMs;
            this.protocolType = protocolType;
            this.protocols = protocols;
        }

        boolean isStatic() {
            return groupInstanceId != null;
        }

        byte[] metadata(String protocol) {
            return protocols.get(protocol);
        }
    }

    final String groupId;
    State state = State.EMPTY;
    long stateTimestamp;
    int generation;
    String protocolType;
    String protocolName;
    String leaderId;
    final LinkedHashMap<String, Member> members = new LinkedHashMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    final Set<String> pendingMembers = new HashSet<>();
    ScheduledFuture<?> joinTimer;
    ScheduledFuture<?> syncTimer;
    boolean initialDelayPassed;

    ClassicGroup(String groupId, long now) {
        this.groupId = groupId;
        this.stateTimestamp = now;
    }

    void transitionTo(State next, long now) {
        state = next;
        stateTimestamp = now;
    }

    boolean is(State s) {
        return state == s;
    }

    boolean has(String memberId) {
        return members.containsKey(memberId);
    }

    Member member(String memberId) {
        return members.get(memberId);
    }

    Optional<Member> staticMember(String instanceId) {
        String id = staticMembers.get(instanceId);
        return id == null ? Optional.empty() : Optional.ofNullable(members.get(id));
    }

    void add(Member m) {
        if (members.isEmpty()) {
            protocolType = m.protocolType;
        }
        members.put(m.memberId, m);
        if (m.isStatic()) {
            staticMembers.put(m.groupInstanceId, m.memberId);
        }
        if (leaderId == null) {
            leaderId = m.memberId;
        }
    }

    void remove(String memberId) {
        Member m = members.remove(memberId);
        if (m != null && m.isStatic()) {
            staticMembers.remove(m.groupInstanceId, memberId);
        }
        if (memberId.equals(leaderId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
    }

    /** Gives a static member a new member id (a restarted instance), keeping its place. */
    Member replaceStaticMember(String instanceId, String oldId, String newId) {
        Member m = members.remove(oldId);
        m.memberId = newId;
        members.put(newId, m);
        staticMembers.put(instanceId, newId);
        if (oldId.equals(leaderId)) {
            leaderId = newId;
        }
        return m;
    }

    Collection<Member> allMembers() {
        return members.values();
    }

    /** Whether a member with these protocols can join: same type, and a protocol every member supports. */
    boolean supportsProtocols(String type, Set<String> names) {
        if (members.isEmpty()) {
            return type != null && !type.isEmpty() && !names.isEmpty();
        }
        if (!type.equals(protocolType)) {
            return false;
        }
        Set<String> common = candidateProtocols();
        common.retainAll(names);
        return !common.isEmpty();
    }

    private Set<String> candidateProtocols() {
        Set<String> common = null;
        for (Member m : members.values()) {
            if (common == null) {
                common = new HashSet<>(m.protocols.keySet());
            } else {
                common.retainAll(m.protocols.keySet());
            }
        }
        return common == null ? new HashSet<>() : common;
    }

    /** The protocol every member supports that gets the most first-preference votes (ties: the first member's order). */
    String selectProtocol() {
        Set<String> candidates = candidateProtocols();
        Map<String, Integer> votes = new HashMap<>();
        for (Member m : members.values()) {
            for (String p : m.protocols.keySet()) {
                if (candidates.contains(p)) {
                    votes.merge(p, 1, Integer::sum);
                    break;
                }
            }
        }
        String best = null;
        for (String p : members.values().iterator().next().protocols.keySet()) {
            if (candidates.contains(p) && (best == null || votes.getOrDefault(p, 0) > votes.getOrDefault(best, 0))) {
                best = p;
            }
        }
        return best;
    }

    boolean allMembersJoined() {
        if (!pendingMembers.isEmpty()) {
            return false;
        }
        for (Member m : members.values()) {
            if (m.awaitingJoin == null) {
                return false;
            }
        }
        return true;
    }

    int rebalanceTimeoutMs() {
        int max = 0;
        for (Member m : members.values()) {
            max = Math.max(max, m.rebalanceTimeoutMs);
        }
        return max;
    }

    List<Member> membersList() {
        return new ArrayList<>(members.values());
    }
}
