package io.riffle.log.group;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.riffle.log.config.BrokerConfig;
import io.riffle.log.group.ClassicGroup.Member;
import io.riffle.log.group.ClassicGroup.State;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic rebalance protocol: JoinGroup, SyncGroup, Heartbeat and LeaveGroup for groups
 * whose clients assign partitions themselves.
 *
 * <p>A group rebalances when a member joins, leaves, changes its subscription, or misses its
 * session timeout. Every member must rejoin within the rebalance timeout; members that do not
 * are removed. The coordinator then starts a new generation, picks the protocol all members
 * support, and answers every JoinGroup — the leader's with all members' subscriptions. The
 * leader computes the assignment and sends it in its SyncGroup; the coordinator stores it (in
 * {@code __consumer_offsets}) and hands each member its share. New members first get a member
 * id (MEMBER_ID_REQUIRED) and must rejoin with it. A static member ({@code group.instance.id})
 * that restarts within its session timeout takes its old place without a rebalance.
 *
 * <p>Thread-safety: each group is guarded by its own monitor; timers run on the shared group
 * timer thread and take the group's monitor. New groups are created under {@code typeLock},
 * shared with the consumer-protocol coordinator, so an id has one protocol at a time.
 */
final class ClassicGroupCoordinator {
    private static final Logger log = LoggerFactory.getLogger(ClassicGroupCoordinator.class);

    private final BrokerConfig config;
    private final Time time;
    private final ScheduledExecutorService timer;
    private final Map<String, ClassicGroup> groups;
    private final Object typeLock;
    private final ConsumerGroupCoordinator.GroupLog groupLog;
    private final Runnable ensureOffsetsTopic;
    private final Function<String, Errors> retireConsumerGroup;

    ClassicGroupCoordinator(BrokerConfig config, Time time, ScheduledExecutorService timer, Map<String, ClassicGroup> groups,
                            Object typeLock, ConsumerGroupCoordinator.GroupLog groupLog, Runnable ensureOffsetsTopic,
                            Function<String, Errors> retireConsumerGroup) {
        this.config = config;
        this.time = time;
        this.timer = timer;
        this.groups = groups;
        this.typeLock = typeLock;
        this.groupLog = groupLog;
        this.ensureOffsetsTopic = ensureOffsetsTopic;
        this.retireConsumerGroup = retireConsumerGroup;
    }

    Errors storeGroup(ClassicGroup group) {
        List<GroupRecords.StoredMember> members = new ArrayList<>();
        for (Member m : group.allMembers()) {
            members.add(new GroupRecords.StoredMember(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                    m.rebalanceTimeoutMs, m.sessionTimeoutMs, group.protocolName == null ? null : m.metadata(group.protocolName),
                    m.assignment));
        }
        GroupRecords.StoredGroup stored = new GroupRecords.StoredGroup(group.protocolType, group.generation,
                group.protocolName, group.leaderId, group.stateTimestamp, members);
        return forGroup(groupLog.append(group.groupId, List.<byte[][]>of(new byte[][] {GroupRecords.groupKey(group.groupId),
                GroupRecords.groupValue(stored)})));
    }

    /** Kafka's answer to a group (assignment) record the log refused as too large. */
    private static Errors forGroup(Errors appendError) {
        return appendError == Errors.RECORD_LIST_TOO_LARGE ? Errors.UNKNOWN_SERVER_ERROR : appendError;
    }

    // ------------------------------------------------------------------ join


    private static JoinGroupResponseData joinError(Errors error, String memberId) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setGenerationId(-1)
                .setMemberId(memberId == null ? "" : memberId).setLeader("").setProtocolName(null);
    }

    public CompletableFuture<JoinGroupResponseData> joinGroup(GroupCoordinator.JoinRequest r) {
        CompletableFuture<JoinGroupResponseData> f = new CompletableFuture<>();
        if (r.groupId() == null || r.groupId().isEmpty()) {
            f.complete(joinError(Errors.INVALID_GROUP_ID, r.memberId()));
            return f;
        }
        if (r.sessionTimeoutMs() < config.groupMinSessionTimeoutMs() || r.sessionTimeoutMs() > config.groupMaxSessionTimeoutMs()) {
            f.complete(joinError(Errors.INVALID_SESSION_TIMEOUT, r.memberId()));
            return f;
        }
        boolean newMember = r.memberId() == null || r.memberId().isEmpty();
        ensureOffsetsTopic.run();
        ClassicGroup group;
        if (newMember) {
            synchronized (typeLock) {
                Errors retired = retireConsumerGroup.apply(r.groupId());
                if (retired != Errors.NONE) {
                    f.complete(joinError(retired, r.memberId()));
                    return f;
                }
                group = groups.computeIfAbsent(r.groupId(), id -> new ClassicGroup(id, time.milliseconds()));
            }
        } else {
            group = groups.get(r.groupId());
        }
        if (group == null) {
            f.complete(joinError(Errors.UNKNOWN_MEMBER_ID, r.memberId()));
            return f;
        }
        synchronized (group) {
            if (group.is(State.DEAD)) {
                f.complete(joinError(Errors.COORDINATOR_NOT_AVAILABLE, r.memberId()));
            } else if (!group.supportsProtocols(r.protocolType(), r.protocols().keySet())) {
                f.complete(joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, r.memberId()));
            } else if (newMember) {
                joinNewMember(group, r, f);
            } else {
                joinKnownMember(group, r, f);
            }
        }
        return f;
    }

    private void joinNewMember(ClassicGroup group, GroupCoordinator.JoinRequest r, CompletableFuture<JoinGroupResponseData> f) {
        if (group.members.size() + group.pendingMembers.size() >= config.groupMaxSize()) {
            f.complete(joinError(Errors.GROUP_MAX_SIZE_REACHED, ""));
            return;
        }
        String newId = (r.groupInstanceId() != null ? r.groupInstanceId() : r.clientId()) + "-" + UUID.randomUUID();
        if (r.groupInstanceId() != null) {
            Optional<Member> existing = group.staticMember(r.groupInstanceId());
            if (existing.isPresent()) {
                rejoinStaticMember(group, existing.get(), newId, r, f);
            } else {
                addMemberAndRebalance(group, newId, r, f);
            }
        } else if (r.requireKnownMemberId()) {
            group.pendingMembers.add(newId);
            timer.schedule(() -> expirePendingMember(group, newId), r.sessionTimeoutMs(), TimeUnit.MILLISECONDS);
            f.complete(joinError(Errors.MEMBER_ID_REQUIRED, newId));
        } else {
            addMemberAndRebalance(group, newId, r, f);
        }
    }

    private void expirePendingMember(ClassicGroup group, String memberId) {
        synchronized (group) {
            if (group.pendingMembers.remove(memberId) && group.is(State.PREPARING_REBALANCE)) {
                tryCompleteJoin(group);
            }
        }
    }

    /** A static member restarted: it takes over its old member id's place. */
    private void rejoinStaticMember(ClassicGroup group, Member old, String newId, GroupCoordinator.JoinRequest r,
                                    CompletableFuture<JoinGroupResponseData> f) {
        String oldId = old.memberId;
        if (old.awaitingJoin != null) {
            old.awaitingJoin.complete(joinError(Errors.FENCED_INSTANCE_ID, oldId));
            old.awaitingJoin = null;
        }
        if (old.awaitingSync != null) {
            old.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.FENCED_INSTANCE_ID.code()));
            old.awaitingSync = null;
        }
        boolean wasLeader = oldId.equals(group.leaderId);
        Member m = group.replaceStaticMember(r.groupInstanceId(), oldId, newId);
        m.sessionTimeoutMs = r.sessionTimeoutMs();
        m.rebalanceTimeoutMs = r.rebalanceTimeoutMs();
        LinkedHashMap<String, byte[]> oldProtocols = m.protocols;
        m.protocols = new LinkedHashMap<>(r.protocols());
        switch (group.state) {
            case STABLE -> {
                // As in Kafka: new metadata alone (e.g. no owned partitions after a restart) does not
                // rebalance; only a change of the group's selected protocol does.
                if (group.protocolName != null && group.protocolName.equals(group.selectProtocol())) {
                    scheduleSessionTimeout(group, m);
                    Errors stored = storeGroup(group);
                    if (stored != Errors.NONE) {
                        m.protocols = oldProtocols;
                        group.replaceStaticMember(r.groupInstanceId(), newId, oldId);
                        f.complete(joinError(stored, ""));
                        return;
                    }
                    JoinGroupResponseData response = currentGenerationResponse(group, m, wasLeader);
                    response.setSkipAssignment(wasLeader);
                    f.complete(response);
                } else {
                    m.awaitingJoin = f;
                    prepareRebalance(group, "static member " + r.groupInstanceId() + " rejoined with another protocol");
                }
            }
            case COMPLETING_REBALANCE, EMPTY -> {
                m.awaitingJoin = f;
                prepareRebalance(group, "static member " + r.groupInstanceId() + " rejoined during a rebalance");
            }
            case PREPARING_REBALANCE -> {
                m.awaitingJoin = f;
                tryCompleteJoin(group);
            }
            case DEAD -> f.complete(joinError(Errors.COORDINATOR_NOT_AVAILABLE, newId));
        }
    }

    private static boolean sameProtocols(Member m, GroupCoordinator.JoinRequest r) {
        if (!m.protocols.keySet().equals(r.protocols().keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : r.protocols().entrySet()) {
            if (!java.util.Arrays.equals(e.getValue(), m.protocols.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private void addMemberAndRebalance(ClassicGroup group, String memberId, GroupCoordinator.JoinRequest r,
                                       CompletableFuture<JoinGroupResponseData> f) {
        Member m = new Member(memberId, r.groupInstanceId(), r.clientId(), r.clientHost(), r.rebalanceTimeoutMs(),
                r.sessionTimeoutMs(), r.protocolType(), new LinkedHashMap<>(r.protocols()));
        m.awaitingJoin = f;
        group.pendingMembers.remove(memberId);
        group.add(m);
        if (group.is(State.PREPARING_REBALANCE)) {
            tryCompleteJoin(group);
        } else {
            prepareRebalance(group, "member " + memberId + " joined");
        }
    }

    private void joinKnownMember(ClassicGroup group, GroupCoordinator.JoinRequest r, CompletableFuture<JoinGroupResponseData> f) {
        if (group.pendingMembers.contains(r.memberId())) {
            addMemberAndRebalance(group, r.memberId(), r, f);
            return;
        }
        Member m = group.member(r.memberId());
        if (m == null) {
            boolean fenced = r.groupInstanceId() != null && group.staticMembers.containsKey(r.groupInstanceId());
            f.complete(joinError(fenced ? Errors.FENCED_INSTANCE_ID : Errors.UNKNOWN_MEMBER_ID, r.memberId()));
            return;
        }
        if (m.isStatic() && !m.groupInstanceId.equals(r.groupInstanceId())) {
            f.complete(joinError(Errors.FENCED_INSTANCE_ID, r.memberId()));
            return;
        }
        boolean same = sameProtocols(m, r);
        m.sessionTimeoutMs = r.sessionTimeoutMs();
        m.rebalanceTimeoutMs = r.rebalanceTimeoutMs();
        switch (group.state) {
            case PREPARING_REBALANCE -> {
                m.protocols = new LinkedHashMap<>(r.protocols());
                if (m.awaitingJoin != null) {
                    m.awaitingJoin.complete(joinError(Errors.REBALANCE_IN_PROGRESS, m.memberId));
                }
                m.awaitingJoin = f;
                tryCompleteJoin(group);
            }
            case COMPLETING_REBALANCE -> {
                if (same) {
                    f.complete(currentGenerationResponse(group, m, m.memberId.equals(group.leaderId)));
                } else {
                    m.protocols = new LinkedHashMap<>(r.protocols());
                    m.awaitingJoin = f;
                    prepareRebalance(group, "member " + m.memberId + " changed its metadata");
                }
            }
            case STABLE -> {
                if (m.memberId.equals(group.leaderId) || !same) {
                    m.protocols = new LinkedHashMap<>(r.protocols());
                    m.awaitingJoin = f;
                    prepareRebalance(group, "member " + m.memberId + " rejoined");
                } else {
                    scheduleSessionTimeout(group, m);
                    f.complete(currentGenerationResponse(group, m, false));
                }
            }
            case EMPTY, DEAD -> f.complete(joinError(Errors.UNKNOWN_MEMBER_ID, r.memberId()));
        }
    }

    private JoinGroupResponseData currentGenerationResponse(ClassicGroup group, Member m, boolean withMembers) {
        JoinGroupResponseData response = new JoinGroupResponseData()
                .setErrorCode(Errors.NONE.code())
                .setGenerationId(group.generation)
                .setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName)
                .setLeader(group.leaderId)
                .setMemberId(m.memberId);
        if (withMembers) {
            for (Member member : group.allMembers()) {
                response.members().add(new JoinGroupResponseData.JoinGroupResponseMember()
                        .setMemberId(member.memberId).setGroupInstanceId(member.groupInstanceId)
                        .setMetadata(member.metadata(group.protocolName)));
            }
        }
        return response;
    }

    // ------------------------------------------------------------------ rebalance machinery (group monitor held)

    private void prepareRebalance(ClassicGroup group, String reason) {
        if (group.is(State.COMPLETING_REBALANCE)) {
            for (Member m : group.allMembers()) {
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()));
                    m.awaitingSync = null;
                }
            }
        }
        cancel(group.syncTimer);
        cancel(group.joinTimer);
        boolean wasEmpty = group.is(State.EMPTY);
        group.transitionTo(State.PREPARING_REBALANCE, time.milliseconds());
        log.info("Group {} is rebalancing at generation {}: {}", group.groupId, group.generation, reason);
        int rebalanceTimeout = Math.max(group.rebalanceTimeoutMs(), 1);
        int initialDelay = config.groupInitialRebalanceDelayMs();
        if (wasEmpty && initialDelay > 0) {
            group.initialDelayPassed = false;
            scheduleInitialDelay(group, Math.min(initialDelay, rebalanceTimeout), rebalanceTimeout - initialDelay,
                    group.members.size());
        } else {
            group.initialDelayPassed = true;
            int generation = group.generation;
            group.joinTimer = timer.schedule(() -> onJoinTimeout(group, generation), rebalanceTimeout, TimeUnit.MILLISECONDS);
            tryCompleteJoin(group);
        }
    }

    /** Kafka's initial delay: wait for more members of a new group, extending while they keep arriving. */
    private void scheduleInitialDelay(ClassicGroup group, int delay, int remaining, int membersAtStart) {
        group.joinTimer = timer.schedule(() -> {
            synchronized (group) {
                if (!group.is(State.PREPARING_REBALANCE) || group.initialDelayPassed) {
                    return;
                }
                if (group.members.size() > membersAtStart && remaining > 0) {
                    int next = Math.min(config.groupInitialRebalanceDelayMs(), remaining);
                    scheduleInitialDelay(group, next, remaining - next, group.members.size());
                    return;
                }
                group.initialDelayPassed = true;
                int generation = group.generation;
                group.joinTimer = timer.schedule(() -> onJoinTimeout(group, generation),
                        Math.max(remaining, 1), TimeUnit.MILLISECONDS);
                tryCompleteJoin(group);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    private void tryCompleteJoin(ClassicGroup group) {
        if (group.is(State.PREPARING_REBALANCE) && group.initialDelayPassed && group.allMembersJoined()) {
            completeJoin(group);
        }
    }

    private void onJoinTimeout(ClassicGroup group, int generation) {
        synchronized (group) {
            if (group.is(State.PREPARING_REBALANCE) && group.generation == generation) {
                for (Member m : group.membersList()) {
                    if (m.awaitingJoin == null) {
                        log.info("Group {}: member {} did not rejoin within the rebalance timeout", group.groupId, m.memberId);
                        removeMember(group, m);
                    }
                }
                group.pendingMembers.clear();
                completeJoin(group);
            }
        }
    }

    private void completeJoin(ClassicGroup group) {
        cancel(group.joinTimer);
        for (Member m : group.membersList()) {
            if (m.awaitingJoin == null) {
                removeMember(group, m);
            }
        }
        group.pendingMembers.clear();
        long now = time.milliseconds();
        if (group.members.isEmpty()) {
            group.generation++;
            group.protocolName = null;
            group.leaderId = null;
            group.transitionTo(State.EMPTY, now);
            storeGroup(group);
            return;
        }
        group.generation++;
        group.protocolName = group.selectProtocol();
        if (group.leaderId == null || !group.has(group.leaderId)) {
            group.leaderId = group.members.keySet().iterator().next();
        }
        group.transitionTo(State.COMPLETING_REBALANCE, now);
        log.info("Group {} formed generation {} with {} member(s), protocol {}", group.groupId, group.generation,
                group.members.size(), group.protocolName);
        for (Member m : group.allMembers()) {
            CompletableFuture<JoinGroupResponseData> f = m.awaitingJoin;
            m.awaitingJoin = null;
            m.assignment = new byte[0];
            scheduleSessionTimeout(group, m);
            f.complete(currentGenerationResponse(group, m, m.memberId.equals(group.leaderId)));
        }
        int generation = group.generation;
        group.syncTimer = timer.schedule(() -> onSyncTimeout(group, generation),
                Math.max(group.rebalanceTimeoutMs(), 1), TimeUnit.MILLISECONDS);
    }

    /** Members that never sent SyncGroup after a join are removed, as in Kafka (pending sync timeout). */
    private void onSyncTimeout(ClassicGroup group, int generation) {
        synchronized (group) {
            if (group.is(State.COMPLETING_REBALANCE) && group.generation == generation) {
                for (Member m : group.membersList()) {
                    if (m.awaitingSync == null) {
                        removeMember(group, m);
                    }
                }
                prepareRebalance(group, "members did not sync in time");
            }
        }
    }

    private void removeMember(ClassicGroup group, Member m) {
        cancel(m.sessionTimer);
        if (m.awaitingJoin != null) {
            m.awaitingJoin.complete(joinError(Errors.UNKNOWN_MEMBER_ID, m.memberId));
            m.awaitingJoin = null;
        }
        if (m.awaitingSync != null) {
            m.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()));
            m.awaitingSync = null;
        }
        group.remove(m.memberId);
    }

    /** A member left or died: the others rebalance. */
    private void removeMemberAndRebalance(ClassicGroup group, Member m, String reason) {
        removeMember(group, m);
        switch (group.state) {
            case PREPARING_REBALANCE -> {
                if (group.members.isEmpty()) {
                    completeJoin(group);
                } else {
                    tryCompleteJoin(group);
                }
            }
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason);
            default -> { }
        }
    }

    void scheduleSessionTimeout(ClassicGroup group, Member m) {
        cancel(m.sessionTimer);
        m.lastHeartbeatMs = time.milliseconds();
        String memberId = m.memberId;
        m.sessionTimer = timer.schedule(() -> onSessionTimeout(group, memberId), m.sessionTimeoutMs, TimeUnit.MILLISECONDS);
    }

    private void onSessionTimeout(ClassicGroup group, String memberId) {
        synchronized (group) {
            Member m = group.member(memberId);
            if (m == null) {
                return;
            }
            if (m.awaitingJoin != null || m.awaitingSync != null) {
                scheduleSessionTimeout(group, m); // a member waiting on us is alive
                return;
            }
            log.info("Group {}: member {} missed its session timeout of {} ms", group.groupId, memberId, m.sessionTimeoutMs);
            removeMemberAndRebalance(group, m, "member " + memberId + " timed out");
        }
    }

    private static void cancel(ScheduledFuture<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }

    // ------------------------------------------------------------------ sync, heartbeat, leave

    public CompletableFuture<SyncGroupResponseData> syncGroup(String groupId, int generation, String memberId,
                                                              String groupInstanceId, String protocolType,
                                                              String protocolName, Map<String, byte[]> assignments) {
        CompletableFuture<SyncGroupResponseData> f = new CompletableFuture<>();
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            f.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
            return f;
        }
        synchronized (group) {
            Errors error = validateMember(group, memberId, groupInstanceId);
            if (error != Errors.NONE) {
                f.complete(syncError(error));
                return f;
            }
            if (generation != group.generation) {
                f.complete(syncError(Errors.ILLEGAL_GENERATION));
                return f;
            }
            if ((protocolType != null && !protocolType.equals(group.protocolType))
                    || (protocolName != null && !protocolName.equals(group.protocolName))) {
                f.complete(syncError(Errors.INCONSISTENT_GROUP_PROTOCOL));
                return f;
            }
            Member m = group.member(memberId);
            switch (group.state) {
                case PREPARING_REBALANCE -> f.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
                case STABLE -> {
                    scheduleSessionTimeout(group, m);
                    f.complete(syncOk(group, m.assignment));
                }
                case COMPLETING_REBALANCE -> {
                    m.awaitingSync = f;
                    scheduleSessionTimeout(group, m);
                    if (memberId.equals(group.leaderId)) {
                        completeSync(group, assignments);
                    }
                }
                default -> f.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
            }
        }
        return f;
    }

    private void completeSync(ClassicGroup group, Map<String, byte[]> assignments) {
        for (Member m : group.allMembers()) {
            byte[] a = assignments.get(m.memberId);
            m.assignment = a == null ? new byte[0] : a;
        }
        Errors stored = storeGroup(group);
        if (stored != Errors.NONE) {
            for (Member m : group.allMembers()) {
                m.assignment = new byte[0];
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(syncError(stored));
                    m.awaitingSync = null;
                }
            }
            prepareRebalance(group, "storing the assignment failed: " + stored);
            return;
        }
        cancel(group.syncTimer);
        group.transitionTo(State.STABLE, time.milliseconds());
        for (Member m : group.allMembers()) {
            if (m.awaitingSync != null) {
                m.awaitingSync.complete(syncOk(group, m.assignment));
                m.awaitingSync = null;
            }
        }
    }

    private static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
    }

    private static SyncGroupResponseData syncOk(ClassicGroup group, byte[] assignment) {
        return new SyncGroupResponseData().setErrorCode(Errors.NONE.code()).setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName).setAssignment(assignment);
    }

    static Errors validateMember(ClassicGroup group, String memberId, String groupInstanceId) {
        if (group.is(State.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        Member m = group.member(memberId);
        if (groupInstanceId != null) {
            String current = group.staticMembers.get(groupInstanceId);
            if (current != null && !current.equals(memberId)) {
                return Errors.FENCED_INSTANCE_ID;
            }
        }
        if (m == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (m.isStatic() && groupInstanceId != null && !m.groupInstanceId.equals(groupInstanceId)) {
            return Errors.FENCED_INSTANCE_ID;
        }
        return Errors.NONE;
    }

    public Errors heartbeat(String groupId, String memberId, String groupInstanceId, int generation) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        synchronized (group) {
            if (group.is(State.EMPTY)) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            Errors error = validateMember(group, memberId, groupInstanceId);
            if (error != Errors.NONE) {
                return error;
            }
            if (generation != group.generation) {
                return Errors.ILLEGAL_GENERATION;
            }
            scheduleSessionTimeout(group, group.member(memberId));
            return group.is(State.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
        }
    }

    /** A member leaving; memberId may be empty when a static member leaves by instance id. */
    public Errors leaveGroup(String groupId, String memberId, String groupInstanceId) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        synchronized (group) {
            Member m;
            if (groupInstanceId != null) {
                m = group.staticMember(groupInstanceId).orElse(null);
                if (m == null) {
                    return Errors.UNKNOWN_MEMBER_ID;
                }
                if (memberId != null && !memberId.isEmpty() && !memberId.equals(m.memberId)) {
                    return Errors.FENCED_INSTANCE_ID;
                }
            } else {
                if (group.pendingMembers.remove(memberId)) {
                    tryCompleteJoin(group);
                    return Errors.NONE;
                }
                m = group.member(memberId);
                if (m == null) {
                    return Errors.UNKNOWN_MEMBER_ID;
                }
            }
            log.info("Group {}: member {} left", groupId, m.memberId);
            removeMemberAndRebalance(group, m, "member " + m.memberId + " left");
            return Errors.NONE;
        }
    }
}
