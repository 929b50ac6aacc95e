package io.riffle.log.group;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.riffle.log.cluster.MetadataStore;
import io.riffle.log.cluster.TopicInfo;
import io.riffle.log.config.BrokerConfig;
import io.riffle.log.group.PartitionAssignor.SubscribedTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator of the consumer group protocol of KIP-848 ({@code group.protocol=consumer}):
 * members heartbeat (ConsumerGroupHeartbeat) and the coordinator computes their assignment.
 *
 * <h2>Three epochs</h2>
 * <ul>
 *   <li>The <b>group epoch</b> is bumped whenever what the assignment depends on changes: a member
 *       joins or is removed, a member's subscription (topic names, regex, server assignor)
 *       changes, or a subscribed topic's partition count (or existence) changes.</li>
 *   <li>The <b>target assignment epoch</b> is the group epoch the target assignment was computed
 *       for. When a heartbeat finds it behind the group epoch, the coordinator runs the group's
 *       server assignor ({@code uniform} by default, or {@code range}; the one most members ask
 *       for in {@code serverAssignor}) over all members. Assignors are sticky where they can be:
 *       the previous target is their starting point ({@link TargetAssignmentBuilder}).</li>
 *   <li>Each <b>member epoch</b> says which target assignment the member has caught up with. A
 *       member epoch equal to the target epoch with state STABLE means the member owns exactly
 *       its target.</li>
 * </ul>
 *
 * <h2>Reconciliation ({@link Reconciliation})</h2>
 * A member moves towards its target one heartbeat at a time, and no partition is ever owned by
 * two members: with {@code current} its assigned partitions and {@code target} its target,
 * <pre>
 *   keep = current ∩ target;  revoke = current − target;  assign = target − keep
 *   unreleased = the partitions of assign still owned by another member (assigned to it or
 *                not yet revoked by it) — they are held back
 *
 *   revoke ≠ ∅ and the member still owns some of it → UNREVOKED_PARTITIONS: the member stays at
 *       its epoch, is told to keep only {@code keep}, and must confirm (topicPartitions in its
 *       next heartbeat no longer lists the revoked ones) within its rebalance timeout, or it is
 *       fenced (removed; its partitions go to others);
 *   otherwise → the member moves to the target epoch with keep ∪ (assign − unreleased), in state
 *       UNRELEASED_PARTITIONS while something is held back (later heartbeats pick it up when the
 *       previous owner has revoked it), else STABLE.
 * </pre>
 * The response carries the member's assigned partitions (topic ids) when it joins, sends a full
 * request, or when they changed.
 *
 * <h2>Membership</h2>
 * A member joins with epoch 0 (v1: with a member id it generated; v0: the coordinator makes one),
 * leaves with -1; a static member ({@code group.instance.id}) leaves temporarily with -2: it
 * keeps its partitions and its place in the target until a new process with the same instance
 * id joins (and takes both over, without a new group epoch) or the session timeout expires. A
 * member that does not heartbeat within {@code group.consumer.session.timeout.ms} is removed.
 * A member sending an epoch the coordinator does not know is told FENCED_MEMBER_EPOCH (or
 * UNKNOWN_MEMBER_ID) and rejoins with epoch 0 — also after a broker restart that lost track of
 * it. A heartbeat with the previous member epoch is accepted if the partitions it reports are
 * a subset of its assignment (the member missed a response).
 *
 * <h2>State</h2>
 * After every change the whole group (epochs, subscribed topics, members with epochs, states,
 * assignments and targets) is written as one record to {@code __consumer_offsets} (key type 3,
 * {@link ConsumerGroupCodec}) before the heartbeat is answered; at start-up the last one is
 * replayed and the session timers restart. Committed offsets stay with {@link GroupCoordinator}.
 *
 * <p>Thread-safety: each {@link ConsumerGroup} is guarded by its own monitor; timers run on the
 * group coordinator's single scheduler thread and take the group's monitor. Creating a group
 * (or converting an empty group between protocols) holds {@code typeLock} first, then the
 * group monitor — never the other way round.
 */
public final class ConsumerGroupCoordinator {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroupCoordinator.class);

    /** Appends records to the group's partition of __consumer_offsets. */
    interface GroupLog {
        Errors append(String groupId, List<byte[][]> records);
    }

    /** The classic side: removes an empty classic group so the id can change protocol. */
    interface ClassicGroups {
        /** NONE when no classic group of that id is left; GROUP_ID_NOT_FOUND when it has members. */
        Errors retireIfEmpty(String groupId);
    }

    private final BrokerConfig config;
    private final MetadataStore metadata;
    private final Time time;
    private final ScheduledExecutorService timer;
    private final GroupLog groupLog;
    private final ClassicGroups classicGroups;
    private final Object typeLock;
    private final TargetAssignmentBuilder targets;
    private final Map<String, ConsumerGroup> groups = new ConcurrentHashMap<>();

    ConsumerGroupCoordinator(BrokerConfig config, MetadataStore metadata, Time time, ScheduledExecutorService timer,
                             GroupLog groupLog, ClassicGroups classicGroups, Object typeLock) {
        this.config = config;
        this.metadata = metadata;
        this.time = time;
        this.timer = timer;
        this.groupLog = groupLog;
        this.classicGroups = classicGroups;
        this.typeLock = typeLock;
        this.targets = new TargetAssignmentBuilder(metadata);
    }

    // ------------------------------------------------------------------ heartbeat

    public ConsumerGroupHeartbeatResponseData heartbeat(ConsumerGroupHeartbeatRequestData r, short version,
                                                        String clientId, String clientHost) {
        String invalid = invalidRequest(r, version);
        if (invalid != null) {
            return error(Errors.INVALID_REQUEST, invalid);
        }
        if (r.serverAssignor() != null && !targets.supports(r.serverAssignor())) {
            return error(Errors.UNSUPPORTED_ASSIGNOR, "ServerAssignor " + r.serverAssignor() + " is not supported; supported: "
                    + targets.assignorNames());
        }
        if (version >= 1 && r.subscribedTopicRegex() != null && !r.subscribedTopicRegex().isEmpty()) {
            try {
                Pattern.compile(r.subscribedTopicRegex());
            } catch (PatternSyntaxException e) {
                return error(Errors.INVALID_REGULAR_EXPRESSION, e.getDescription());
            }
        }
        String memberId = r.memberId();
        if (version == 0 && r.memberEpoch() == 0 && memberId.isEmpty()) {
            memberId = Uuid.randomUuid().toString();
        }
        if (r.memberEpoch() == ConsumerGroupMember.LEAVE_EPOCH || r.memberEpoch() == ConsumerGroupMember.STATIC_LEAVE_EPOCH) {
            return leave(r.groupId(), memberId, r.instanceId(), r.memberEpoch());
        }
        ConsumerGroup group;
        if (r.memberEpoch() == 0) {
            group = groups.get(r.groupId());
            if (group == null || group.dead) {
                synchronized (typeLock) {
                    group = groups.get(r.groupId());
                    if (group == null || group.dead) {
                        Errors retired = classicGroups.retireIfEmpty(r.groupId());
                        if (retired != Errors.NONE) {
                            return error(retired, "Group " + r.groupId() + " is not a consumer group: it is a classic group "
                                    + "with members.");
                        }
                        group = new ConsumerGroup(r.groupId(), time.milliseconds());
                        groups.put(r.groupId(), group);
                    }
                }
            }
        } else {
            group = groups.get(r.groupId());
            if (group == null) {
                // e.g. the group was deleted, or this broker lost it: the member must rejoin with epoch 0
                return error(Errors.UNKNOWN_MEMBER_ID, "Consumer group " + r.groupId() + " has no member " + memberId + ".");
            }
        }
        synchronized (group) {
            if (group.dead) {
                return error(Errors.COORDINATOR_NOT_AVAILABLE, "Group " + r.groupId() + " was just deleted.");
            }
            return heartbeatLocked(group, r, memberId, clientId, clientHost);
        }
    }

    /** Kafka's request checks: null when the request is well-formed, else the reason. */
    private static String invalidRequest(ConsumerGroupHeartbeatRequestData r, short version) {
        if (r.groupId() == null || r.groupId().isEmpty()) {
            return "GroupId can't be empty.";
        }
        if (r.instanceId() != null && r.instanceId().isEmpty()) {
            return "InstanceId can't be empty.";
        }
        if (r.rackId() != null && r.rackId().isEmpty()) {
            return "RackId can't be empty.";
        }
        if (version >= 1 && (r.memberId() == null || r.memberId().isEmpty())) {
            return "MemberId can't be empty.";
        }
        int epoch = r.memberEpoch();
        if (epoch < ConsumerGroupMember.STATIC_LEAVE_EPOCH) {
            return "MemberEpoch is invalid.";
        }
        if (epoch == 0) {
            if (r.rebalanceTimeoutMs() == -1) {
                return "RebalanceTimeoutMs must be provided in first request.";
            }
            if (r.topicPartitions() == null || !r.topicPartitions().isEmpty()) {
                return "TopicPartitions must be empty when (re-)joining.";
            }
            boolean regex = version >= 1 && r.subscribedTopicRegex() != null;
            if (r.subscribedTopicNames() == null && !regex) {
                return "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.";
            }
        } else if (r.memberId() == null || r.memberId().isEmpty()) {
            return "MemberId can't be empty.";
        }
        if (epoch == ConsumerGroupMember.STATIC_LEAVE_EPOCH && r.instanceId() == null) {
            return "InstanceId can't be null when leaving the group with epoch -2.";
        }
        return null;
    }

    private ConsumerGroupHeartbeatResponseData heartbeatLocked(ConsumerGroup group, ConsumerGroupHeartbeatRequestData r,
                                                               String memberId, String clientId, String clientHost) {
        int epoch = r.memberEpoch();
        Set<PartitionRef> reportedOwned = r.topicPartitions() == null ? null : toRefs(r.topicPartitions());
        ConsumerGroupMember member;
        ConsumerGroupMember replaced = null;
        if (r.instanceId() != null && group.staticMember(r.instanceId()) != null) {
            ConsumerGroupMember existing = group.staticMember(r.instanceId());
            if (existing.memberId.equals(memberId)) {
                member = existing;
            } else if (epoch != 0) {
                return error(Errors.FENCED_INSTANCE_ID, "Instance id " + r.instanceId() + " belongs to another member.");
            } else if (existing.memberEpoch != ConsumerGroupMember.STATIC_LEAVE_EPOCH) {
                return error(Errors.UNRELEASED_INSTANCE_ID, "Static member with instance id " + r.instanceId()
                        + " has not left the group yet.");
            } else {
                replaced = existing;
                member = null;
            }
        } else {
            member = group.member(memberId);
            if (member == null && epoch != 0) {
                return error(Errors.UNKNOWN_MEMBER_ID, "Member " + memberId + " is not in group " + group.groupId + ".");
            }
        }
        if (member != null && epoch != 0) {
            Errors fenced = checkEpoch(member, epoch, reportedOwned);
            if (fenced != Errors.NONE) {
                return error(fenced, "Member epoch " + epoch + " does not match " + member.memberEpoch + ".");
            }
        }
        boolean bump = false;
        long now = time.milliseconds();
        if (member == null) {
            if (replaced == null && group.members.size() >= config.consumerGroupMaxSize()) {
                return error(Errors.GROUP_MAX_SIZE_REACHED, "Group " + group.groupId + " has reached its maximum size "
                        + config.consumerGroupMaxSize() + ".");
            }
            member = new ConsumerGroupMember(memberId);
            member.instanceId = r.instanceId();
            if (replaced != null) {
                takeOverStaticMember(group, replaced, member, now);
            } else {
                group.add(member);
                bump = true;
                log.info("Group {}: member {} joined", group.groupId, memberId);
            }
        }
        bump |= updateSubscription(member, r, clientId, clientHost);
        Map<String, SubscribedTopic> topics = targets.resolveSubscribedTopics(group);
        if (!topics.equals(group.subscribedTopics)) {
            group.subscribedTopics = topics;
            bump = true;
        }
        if (bump) {
            group.groupEpoch++;
        }
        if (group.groupEpoch > group.targetEpoch) {
            targets.computeTargetAssignment(group);
        }
        Set<PartitionRef> assignedBefore = new TreeSet<>(member.assigned.keySet());
        Set<PartitionRef> ownedBefore = member.owned();
        Reconciliation.reconcile(group, member, reportedOwned);
        group.updateOwnership(member, ownedBefore);
        scheduleSessionTimeout(group, member);
        scheduleOrCancelRevocationTimeout(group, member);
        Errors stored = persist(group);
        if (stored != Errors.NONE) {
            return error(stored, "Could not store the group's state.");
        }
        ConsumerGroupHeartbeatResponseData response = new ConsumerGroupHeartbeatResponseData()
                .setErrorCode(Errors.NONE.code()).setMemberId(member.memberId).setMemberEpoch(member.memberEpoch)
                .setHeartbeatIntervalMs(config.consumerGroupHeartbeatIntervalMs());
        boolean fullRequest = r.rebalanceTimeoutMs() != -1 && r.topicPartitions() != null
                && (r.subscribedTopicNames() != null || r.subscribedTopicRegex() != null);
        if (epoch == 0 || fullRequest || !assignedBefore.equals(member.assigned.keySet())) {
            response.setAssignment(assignment(member));
        }
        return response;
    }

    /**
     * A heartbeat with an epoch newer than the member's, or older than its previous one, is fenced.
     * The previous epoch is accepted when the member reports partitions it may still own.
     */
    private static Errors checkEpoch(ConsumerGroupMember m, int epoch, Set<PartitionRef> reportedOwned) {
        if (epoch > m.memberEpoch) {
            return Errors.FENCED_MEMBER_EPOCH;
        }
        if (epoch < m.memberEpoch) {
            if (epoch != m.previousMemberEpoch || reportedOwned == null
                    || !m.assigned.keySet().containsAll(reportedOwned)) {
                return Errors.FENCED_MEMBER_EPOCH;
            }
        }
        return Errors.NONE;
    }

    /** A static member's new process replaces its old one: same partitions, same target, no new group epoch. */
    private void takeOverStaticMember(ConsumerGroup group, ConsumerGroupMember old, ConsumerGroupMember member, long now) {
        Set<PartitionRef> target = group.target(old.memberId);
        cancelTimers(old);
        group.remove(old, now);
        member.subscribedTopicNames = old.subscribedTopicNames;
        member.subscribedTopicRegex = old.subscribedTopicRegex;
        member.serverAssignor = old.serverAssignor;
        member.rackId = old.rackId;
        member.rebalanceTimeoutMs = old.rebalanceTimeoutMs;
        member.assigned.putAll(old.assigned);
        group.add(member);
        group.targetAssignment.put(member.memberId, target);
        log.info("Group {}: static member {} rejoined as {} (was {})", group.groupId, member.instanceId,
                member.memberId, old.memberId);
    }

    /** Applies the fields a heartbeat sets (null: unchanged); whether the subscription changed. */
    private static boolean updateSubscription(ConsumerGroupMember m, ConsumerGroupHeartbeatRequestData r,
                                              String clientId, String clientHost) {
        m.clientId = clientId == null ? "" : clientId;
        m.clientHost = clientHost;
        if (r.rackId() != null) {
            m.rackId = r.rackId();
        }
        if (r.rebalanceTimeoutMs() != -1) {
            m.rebalanceTimeoutMs = r.rebalanceTimeoutMs();
        }
        boolean changed = false;
        if (r.subscribedTopicNames() != null) {
            List<String> names = List.copyOf(new TreeSet<>(r.subscribedTopicNames()));
            if (!names.equals(m.subscribedTopicNames)) {
                m.subscribedTopicNames = names;
                changed = true;
            }
        }
        if (r.subscribedTopicRegex() != null) {
            String regex = r.subscribedTopicRegex().isEmpty() ? null : r.subscribedTopicRegex();
            if (!Objects.equals(regex, m.subscribedTopicRegex)) {
                m.subscribedTopicRegex = regex;
                changed = true;
            }
        }
        if (r.serverAssignor() != null && !r.serverAssignor().equals(m.serverAssignor)) {
            m.serverAssignor = r.serverAssignor();
            changed = true;
        }
        return changed;
    }

    // ------------------------------------------------------------------ leaving and timers

    private ConsumerGroupHeartbeatResponseData leave(String groupId, String memberId, String instanceId, int epoch) {
        ConsumerGroup group = groups.get(groupId);
        if (group == null) {
            return error(Errors.GROUP_ID_NOT_FOUND, "Consumer group " + groupId + " not found.");
        }
        synchronized (group) {
            ConsumerGroupMember m;
            if (instanceId != null) {
                m = group.staticMember(instanceId);
                if (m == null) {
                    return error(Errors.UNKNOWN_MEMBER_ID, "No static member with instance id " + instanceId + ".");
                }
                if (!m.memberId.equals(memberId)) {
                    return error(Errors.FENCED_INSTANCE_ID, "Instance id " + instanceId + " belongs to another member.");
                }
            } else {
                m = group.member(memberId);
                if (m == null) {
                    return error(Errors.UNKNOWN_MEMBER_ID, "Member " + memberId + " is not in group " + groupId + ".");
                }
            }
            if (epoch == ConsumerGroupMember.STATIC_LEAVE_EPOCH) {
                Set<PartitionRef> ownedBefore = m.owned();
                m.pendingRevocation.clear();
                m.state = ConsumerGroupMember.State.STABLE;
                m.updateEpoch(ConsumerGroupMember.STATIC_LEAVE_EPOCH);
                group.updateOwnership(m, ownedBefore);
                cancel(m.revocationTimer);
                m.revocationTimer = null;
                scheduleSessionTimeout(group, m);
                log.info("Group {}: static member {} ({}) left temporarily", groupId, instanceId, memberId);
            } else {
                removeMember(group, m, "left the group");
            }
            Errors stored = persist(group);
            if (stored != Errors.NONE) {
                return error(stored, "Could not store the group's state.");
            }
            return new ConsumerGroupHeartbeatResponseData().setErrorCode(Errors.NONE.code()).setMemberId(memberId)
                    .setMemberEpoch(epoch).setHeartbeatIntervalMs(0);
        }
    }

    /** Removes a member; the others learn their new assignment from their next heartbeats. */
    private void removeMember(ConsumerGroup group, ConsumerGroupMember m, String reason) {
        cancelTimers(m);
        group.remove(m, time.milliseconds());
        group.groupEpoch++;
        log.info("Group {}: member {} {}; group epoch {}", group.groupId, m.memberId, reason, group.groupEpoch);
    }

    private void scheduleSessionTimeout(ConsumerGroup group, ConsumerGroupMember m) {
        cancel(m.sessionTimer);
        m.sessionTimer = timer.schedule(() -> {
            synchronized (group) {
                if (group.member(m.memberId) == m) {
                    removeMember(group, m, "missed its session timeout");
                    persist(group);
                }
            }
        }, config.consumerGroupSessionTimeoutMs(), TimeUnit.MILLISECONDS);
    }

    private void scheduleOrCancelRevocationTimeout(ConsumerGroup group, ConsumerGroupMember m) {
        if (m.state != ConsumerGroupMember.State.UNREVOKED_PARTITIONS) {
            cancel(m.revocationTimer);
            m.revocationTimer = null;
            return;
        }
        if (m.revocationTimer != null && m.revocationTimerEpoch == m.memberEpoch) {
            return;
        }
        cancel(m.revocationTimer);
        int epoch = m.memberEpoch;
        m.revocationTimerEpoch = epoch;
        m.revocationTimer = timer.schedule(() -> {
            synchronized (group) {
                if (group.member(m.memberId) == m && m.state == ConsumerGroupMember.State.UNREVOKED_PARTITIONS
                        && m.memberEpoch == epoch) {
                    removeMember(group, m, "did not revoke its partitions within its rebalance timeout");
                    persist(group);
                }
            }
        }, Math.max(m.rebalanceTimeoutMs, 1), TimeUnit.MILLISECONDS);
    }

    private static void cancelTimers(ConsumerGroupMember m) {
        cancel(m.sessionTimer);
        cancel(m.revocationTimer);
        m.sessionTimer = null;
        m.revocationTimer = null;
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    // ------------------------------------------------------------------ persistence

    /** Writes the group's snapshot if it changed since the last write. Group monitor held. */
    private Errors persist(ConsumerGroup group) {
        byte[] snapshot = ConsumerGroupCodec.encode(group);
        if (Arrays.equals(snapshot, group.lastStored)) {
            return Errors.NONE;
        }
        Errors e = groupLog.append(group.groupId,
                List.<byte[][]>of(new byte[][] {GroupRecords.consumerGroupKey(group.groupId), snapshot}));
        if (e == Errors.NONE) {
            group.lastStored = snapshot;
        } else {
            log.warn("Group {}: could not store its state ({}); will retry on its next change", group.groupId, e);
        }
        return e;
    }

    /** Replays one record of key type 3 (null value: the group was deleted or converted). */
    void replay(String groupId, java.nio.ByteBuffer value) {
        if (value == null) {
            groups.remove(groupId);
        } else {
            groups.put(groupId, ConsumerGroupCodec.decode(groupId, value, time.milliseconds()));
        }
    }

    /** After replay: every restored member must heartbeat within its session timeout again. */
    void startTimers() {
        for (ConsumerGroup group : groups.values()) {
            synchronized (group) {
                for (ConsumerGroupMember m : group.members.values()) {
                    scheduleSessionTimeout(group, m);
                    scheduleOrCancelRevocationTimeout(group, m);
                }
            }
        }
    }

    int groupCount() {
        return groups.size();
    }

    // ------------------------------------------------------------------ group lifecycle and offsets

    ConsumerGroup group(String groupId) {
        ConsumerGroup g = groups.get(groupId);
        return g == null || g.dead ? null : g;
    }

    Collection<ConsumerGroup> groups() {
        return groups.values();
    }

    /**
     * Removes an empty consumer group so a classic member can take the id (typeLock held).
     *
     * @return NONE when no consumer group of that id is left, INCONSISTENT_GROUP_PROTOCOL when it has members
     */
    Errors retireIfEmpty(String groupId) {
        ConsumerGroup g = groups.get(groupId);
        if (g == null) {
            return Errors.NONE;
        }
        synchronized (g) {
            if (!g.members.isEmpty()) {
                return Errors.INCONSISTENT_GROUP_PROTOCOL;
            }
            Errors e = delete(g);
            if (e == Errors.NONE) {
                log.info("Group {}: empty consumer group converted to a classic group", groupId);
            }
            return e;
        }
    }

    /** Writes the group's tombstone and forgets it (group monitor held; the group must be empty). */
    Errors delete(ConsumerGroup g) {
        Errors e = groupLog.append(g.groupId, List.<byte[][]>of(new byte[][] {GroupRecords.consumerGroupKey(g.groupId), null}));
        if (e == Errors.NONE) {
            g.dead = true;
            groups.remove(g.groupId, g);
        }
        return e;
    }

    /**
     * OffsetCommit by a member (group monitor held). Without membership (epoch &lt; 0) only an empty
     * group accepts commits. A member's epoch must be its current one, or (KIP-1251, Kafka 4.3) an
     * older one no older than the epoch at which each committed partition was assigned to it.
     */
    Errors validateCommit(ConsumerGroup g, String memberId, int memberEpoch, short apiVersion,
                          Collection<TopicPartition> partitions) {
        if (memberEpoch < 0 && g.members.isEmpty()) {
            return Errors.NONE;
        }
        ConsumerGroupMember m = memberId == null ? null : g.member(memberId);
        if (m == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (apiVersion < 9) {
            return Errors.UNSUPPORTED_VERSION;
        }
        if (memberEpoch > m.memberEpoch) {
            return Errors.STALE_MEMBER_EPOCH;
        }
        if (memberEpoch < m.memberEpoch) {
            for (TopicPartition tp : partitions) {
                Optional<TopicInfo> topic = metadata.topic(tp.topic());
                Integer since = topic.map(t -> m.assigned.get(new PartitionRef(t.id(), tp.partition()))).orElse(null);
                if (since == null || since > memberEpoch) {
                    return Errors.STALE_MEMBER_EPOCH;
                }
            }
        }
        return Errors.NONE;
    }

    /** OffsetFetch v9+ by a member: it must be a member at its current epoch. */
    public Errors validateFetch(String groupId, String memberId, int memberEpoch) {
        ConsumerGroup g = group(groupId);
        if (g == null || (memberEpoch < 0 && (memberId == null || memberId.isEmpty()))) {
            return Errors.NONE;
        }
        synchronized (g) {
            ConsumerGroupMember m = memberId == null ? null : g.member(memberId);
            if (m == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            return memberEpoch == m.memberEpoch ? Errors.NONE : Errors.STALE_MEMBER_EPOCH;
        }
    }

    // ------------------------------------------------------------------ describe

    /** ConsumerGroupDescribe of one group; GROUP_ID_NOT_FOUND if it is not a consumer-protocol group. */
    public ConsumerGroupDescribeResponseData.DescribedGroup describe(String groupId) {
        ConsumerGroupDescribeResponseData.DescribedGroup out = new ConsumerGroupDescribeResponseData.DescribedGroup()
                .setGroupId(groupId);
        ConsumerGroup g = group(groupId);
        if (g == null) {
            return out.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setGroupState(ConsumerGroup.State.DEAD.wireName)
                    .setErrorMessage("Group " + groupId + " is not a consumer group.");
        }
        synchronized (g) {
            out.setErrorCode(Errors.NONE.code()).setGroupState(g.state().wireName).setGroupEpoch(g.groupEpoch)
                    .setAssignmentEpoch(g.targetEpoch).setAssignorName(targets.preferredAssignor(g).name());
            for (ConsumerGroupMember m : g.members.values()) {
                out.members().add(new ConsumerGroupDescribeResponseData.Member().setMemberId(m.memberId)
                        .setInstanceId(m.instanceId).setRackId(m.rackId).setMemberEpoch(m.memberEpoch)
                        .setClientId(m.clientId).setClientHost(m.clientHost)
                        .setSubscribedTopicNames(new ArrayList<>(m.subscribedTopicNames))
                        .setSubscribedTopicRegex(m.subscribedTopicRegex)
                        .setAssignment(describedAssignment(m.assigned.keySet()))
                        .setTargetAssignment(describedAssignment(g.target(m.memberId)))
                        .setMemberType((byte) 1));
            }
            return out;
        }
    }

    private ConsumerGroupDescribeResponseData.Assignment describedAssignment(Set<PartitionRef> partitions) {
        ConsumerGroupDescribeResponseData.Assignment a = new ConsumerGroupDescribeResponseData.Assignment();
        for (Map.Entry<Uuid, List<Integer>> e : PartitionRef.byTopic(partitions).entrySet()) {
            Optional<TopicInfo> topic = metadata.topic(e.getKey());
            if (topic.isPresent()) {
                a.topicPartitions().add(new ConsumerGroupDescribeResponseData.TopicPartitions().setTopicId(e.getKey())
                        .setTopicName(topic.get().name()).setPartitions(e.getValue()));
            }
        }
        return a;
    }

    /** The group's state and member count for ListGroups. */
    record Listing(String groupId, String state) {
    }

    List<Listing> list() {
        List<Listing> out = new ArrayList<>();
        for (ConsumerGroup g : groups.values()) {
            synchronized (g) {
                if (!g.dead) {
                    out.add(new Listing(g.groupId, g.state().wireName));
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    private static ConsumerGroupHeartbeatResponseData error(Errors error, String message) {
        return new ConsumerGroupHeartbeatResponseData().setErrorCode(error.code()).setErrorMessage(message)
                .setMemberEpoch(-1).setHeartbeatIntervalMs(0);
    }

    private static ConsumerGroupHeartbeatResponseData.Assignment assignment(ConsumerGroupMember m) {
        ConsumerGroupHeartbeatResponseData.Assignment a = new ConsumerGroupHeartbeatResponseData.Assignment();
        for (Map.Entry<Uuid, List<Integer>> e : PartitionRef.byTopic(m.assigned.keySet()).entrySet()) {
            a.topicPartitions().add(new ConsumerGroupHeartbeatResponseData.TopicPartitions().setTopicId(e.getKey())
                    .setPartitions(e.getValue()));
        }
        return a;
    }

    private static Set<PartitionRef> toRefs(List<ConsumerGroupHeartbeatRequestData.TopicPartitions> topics) {
        Set<PartitionRef> out = new HashSet<>();
        for (ConsumerGroupHeartbeatRequestData.TopicPartitions t : topics) {
            for (int p : t.partitions()) {
                out.add(new PartitionRef(t.topicId(), p));
            }
        }
        return out;
    }
}
