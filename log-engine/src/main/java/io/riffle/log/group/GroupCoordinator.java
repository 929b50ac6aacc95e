package io.riffle.log.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.riffle.log.cluster.ReplicaManager;
import io.riffle.log.cluster.TopicController;
import io.riffle.log.cluster.TopicInfo;
import io.riffle.log.config.BrokerConfig;
import io.riffle.log.group.ClassicGroup.Member;
import io.riffle.log.group.ClassicGroup.State;
import io.riffle.log.group.GroupRecords.CommittedOffset;
import io.riffle.log.storage.AppendResult;
import io.riffle.log.storage.LogSegment;
import io.riffle.log.storage.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator: one entry point for everything about consumer groups on this node —
 * the classic rebalance protocol ({@link ClassicGroupCoordinator}), the consumer protocol of
 * KIP-848 ({@link ConsumerGroupCoordinator}), committed offsets (also those written inside
 * transactions), and the group admin APIs.
 *
 * <h2>State</h2>
 * Committed offsets and group metadata are records in the compacted {@code __consumer_offsets}
 * topic, written before the request is answered and replayed at start-up. A group lives in
 * the partition {@code abs(hash(group)) % offsets.topic.num.partitions}; on one node this node
 * coordinates all of them. Offsets committed in a transaction are held pending until the
 * transaction's marker reaches that partition, and only then count.
 *
 * <p>Thread-safety: each group is guarded by its own monitor; timers run on one scheduler
 * thread and take the group's monitor. Committed offsets of a group are changed under its
 * monitor too.
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    public static final String OFFSETS_TOPIC = "__consumer_offsets";
    public static final String CONSUMER_PROTOCOL_TYPE = "consumer";

    private final BrokerConfig config;
    private final ReplicaManager replicaManager;
    private final TopicController controller;
    private final Time time;
    private final ScheduledExecutorService timer;
    private final Map<String, ClassicGroup> groups = new ConcurrentHashMap<>();
    private final Map<String, Map<TopicPartition, CommittedOffset>> offsets = new ConcurrentHashMap<>();
    private final Object topicLock = new Object();
    /** Held while a group is created or changes protocol, before any group monitor. */
    private final Object typeLock = new Object();
    private final ConsumerGroupCoordinator consumerGroups;
    private final ClassicGroupCoordinator classic;

    public GroupCoordinator(BrokerConfig config, ReplicaManager replicaManager, TopicController controller, Time time) {
        this.config = config;
        this.replicaManager = replicaManager;
        this.controller = controller;
        this.time = time;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "riffle-group-coordinator");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        this.timer = executor;
        this.consumerGroups = new ConsumerGroupCoordinator(config, controller.metadata(), time, executor, this::append,
                this::retireEmptyClassicGroup, typeLock);
        this.classic = new ClassicGroupCoordinator(config, time, executor, groups, typeLock, this::append,
                this::ensureOffsetsTopic, id -> consumerGroups.retireIfEmpty(id));
    }

    /** The coordinator of consumer-protocol (KIP-848) groups. */
    public ConsumerGroupCoordinator consumerGroups() {
        return consumerGroups;
    }

    /** Removes an empty classic group so a consumer-protocol member can take its id (typeLock held). */
    private Errors retireEmptyClassicGroup(String groupId) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            return Errors.NONE;
        }
        synchronized (group) {
            if (group.is(State.DEAD)) {
                return Errors.NONE;
            }
            if (!group.is(State.EMPTY)) {
                return Errors.GROUP_ID_NOT_FOUND;
            }
            Errors e = deleteGroupLocked(group);
            if (e == Errors.NONE) {
                log.info("Group {}: empty classic group converted to a consumer-protocol group", groupId);
            }
            return e;
        }
    }

    /** Replays __consumer_offsets (if it exists) and starts offset expiry. */
    public void startup() {
        controller.metadata().topic(OFFSETS_TOPIC).ifPresent(this::load);
        long interval = config.offsetsRetentionCheckIntervalMs();
        timer.scheduleWithFixedDelay(this::expireOffsets, interval, interval, TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ offsets topic

    /** Creates __consumer_offsets if it does not exist yet (on first use, as Kafka does). */
    public void ensureOffsetsTopic() {
        if (controller.metadata().topic(OFFSETS_TOPIC).isPresent()) {
            return;
        }
        synchronized (topicLock) {
            if (controller.metadata().topic(OFFSETS_TOPIC).isEmpty()) {
                controller.createTopic(OFFSETS_TOPIC, config.offsetsTopicPartitions(), (short) 1, Map.of(
                        "cleanup.policy", "compact",
                        "segment.bytes", Integer.toString(config.offsetsTopicSegmentBytes()),
                        "compression.type", "producer"), false);
                log.info("Created {} with {} partitions", OFFSETS_TOPIC, config.offsetsTopicPartitions());
            }
        }
    }

    /** The __consumer_offsets partition that holds this group. */
    public int partitionFor(String groupId) {
        int partitions = controller.metadata().topic(OFFSETS_TOPIC).map(TopicInfo::partitionCount)
                .orElse(config.offsetsTopicPartitions());
        return Utils.abs(groupId.hashCode()) % partitions;
    }

    private Errors append(String groupId, List<byte[][]> keyValues) {
        ensureOffsetsTopic();
        TopicPartition tp = new TopicPartition(OFFSETS_TOPIC, partitionFor(groupId));
        int size = 64;
        for (byte[][] kv : keyValues) {
            size += 32 + kv[0].length + (kv[1] == null ? 0 : kv[1].length);
        }
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(size), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        long now = time.milliseconds();
        for (byte[][] kv : keyValues) {
            builder.append(now, kv[0], kv[1]);
        }
        AppendResult result = replicaManager.appendFromCoordinator(tp, builder.build());
        return switch (result.error()) {
            case NONE -> Errors.NONE;
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, KAFKA_STORAGE_ERROR ->
                    Errors.COORDINATOR_NOT_AVAILABLE;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE -> Errors.RECORD_LIST_TOO_LARGE;
            default -> Errors.UNKNOWN_SERVER_ERROR;
        };
    }

    /** Kafka's answer to a commit whose records the log refused as too large. */
    private static Errors forCommit(Errors appendError) {
        return appendError == Errors.RECORD_LIST_TOO_LARGE ? Errors.INVALID_COMMIT_OFFSET_SIZE : appendError;
    }


    private void load(TopicInfo topic) {
        long started = System.nanoTime();
        int records = 0;
        for (TopicInfo.PartitionAssignment a : topic.partitions()) {
            Optional<io.riffle.log.cluster.Partition> partition =
                    replicaManager.partition(new TopicPartition(OFFSETS_TOPIC, a.partition()));
            if (partition.isEmpty()) {
                continue;
            }
            PartitionLog partitionLog = partition.get().log();
            for (LogSegment segment : partitionLog.segments()) {
                for (FileChannelRecordBatch batch : segment.records().batches()) {
                    if (batch.isControlBatch()) {
                        Record marker = batch.iterator().next();
                        org.apache.kafka.common.record.internal.ControlRecordType type =
                                org.apache.kafka.common.record.internal.ControlRecordType.parse(marker.key());
                        settleTransactionalOffsets(a.partition(), batch.producerId(),
                                type == org.apache.kafka.common.record.internal.ControlRecordType.COMMIT);
                        continue;
                    }
                    for (Record record : batch) {
                        if (record.offset() < partitionLog.logStartOffset() || !record.hasKey()) {
                            continue;
                        }
                        if (batch.isTransactional()) {
                            holdTransactionalOffset(batch.producerId(), record.key(), record.value());
                        } else {
                            replay(record.key(), record.hasValue() ? record.value() : null);
                        }
                        records++;
                    }
                }
            }
        }
        for (ClassicGroup group : groups.values()) {
            synchronized (group) {
                for (Member m : group.allMembers()) {
                    classic.scheduleSessionTimeout(group, m);
                }
            }
        }
        consumerGroups.startTimers();
        log.info("Loaded {} classic and {} consumer-protocol group(s) and the offsets of {} group(s) from {} records of {} in {} ms",
                groups.size(), consumerGroups.groupCount(), offsets.size(), records, OFFSETS_TOPIC, (System.nanoTime() - started) / 1_000_000);
    }

    // ------------------------------------------------------------------ transactional offsets

    /** Offsets committed inside open transactions: producer id → group → partition → offset. */
    private final Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> pendingTxnOffsets =
            new ConcurrentHashMap<>();

    private void holdTransactionalOffset(long producerId, ByteBuffer key, ByteBuffer value) {
        GroupRecords.Key k = GroupRecords.readKey(key);
        if (k.type() == GroupRecords.OFFSET_KEY && value != null) {
            pendingTxnOffsets.computeIfAbsent(producerId, p -> new ConcurrentHashMap<>())
                    .computeIfAbsent(k.group(), g -> new ConcurrentHashMap<>())
                    .put(k.partition(), GroupRecords.readOffsetValue(value));
        }
    }

    /**
     * A transaction marker reached an offsets partition: the producer's pending offsets for the
     * groups in that partition become committed (commit) or are dropped (abort).
     */
    public void settleTransactionalOffsets(int offsetsPartition, long producerId, boolean commit) {
        Map<String, Map<TopicPartition, CommittedOffset>> pending = pendingTxnOffsets.get(producerId);
        if (pending == null) {
            return;
        }
        for (String groupId : new ArrayList<>(pending.keySet())) {
            if (partitionFor(groupId) != offsetsPartition) {
                continue;
            }
            Map<TopicPartition, CommittedOffset> settled = pending.remove(groupId);
            if (commit && settled != null) {
                offsets.computeIfAbsent(groupId, g -> new ConcurrentHashMap<>()).putAll(settled);
            }
        }
        if (pending.isEmpty()) {
            pendingTxnOffsets.remove(producerId, pending);
        }
    }

    /** Whether an open transaction holds an offset for this group and partition (OffsetFetch require_stable). */
    public boolean hasPendingTransactionalOffset(String groupId, TopicPartition tp) {
        for (Map<String, Map<TopicPartition, CommittedOffset>> byGroup : pendingTxnOffsets.values()) {
            Map<TopicPartition, CommittedOffset> m = byGroup.get(groupId);
            if (m != null && m.containsKey(tp)) {
                return true;
            }
        }
        return false;
    }

    /**
     * TxnOffsetCommit: writes offsets as part of the producer's transaction. They count as
     * committed only once the transaction commits (its marker reaches the offsets partition).
     */
    public Map<TopicPartition, Errors> commitTransactionalOffsets(String groupId, long producerId, short producerEpoch,
                                                                  int generation, String memberId, String groupInstanceId,
                                                                  List<OffsetCommit> commits) {
        Map<TopicPartition, Errors> result = new LinkedHashMap<>();
        if (groupId == null || groupId.isEmpty()) {
            commits.forEach(c -> result.put(c.partition(), Errors.INVALID_GROUP_ID));
            return result;
        }
        ClassicGroup group = groups.get(groupId);
        if (group != null && generation >= 0) {
            synchronized (group) {
                Errors error = validateCommit(group, generation, memberId, groupInstanceId);
                if (error != Errors.NONE) {
                    commits.forEach(c -> result.put(c.partition(), error));
                    return result;
                }
            }
        }
        long now = time.milliseconds();
        List<byte[][]> records = new ArrayList<>();
        Map<TopicPartition, CommittedOffset> accepted = new LinkedHashMap<>();
        for (OffsetCommit c : commits) {
            if (c.metadata() != null && c.metadata().length() > config.offsetMetadataMaxBytes()) {
                result.put(c.partition(), Errors.OFFSET_METADATA_TOO_LARGE);
            } else if (replicaManager.partition(c.partition()).isEmpty()) {
                result.put(c.partition(), Errors.UNKNOWN_TOPIC_OR_PARTITION);
            } else {
                CommittedOffset value = new CommittedOffset(c.offset(), c.leaderEpoch(),
                        c.metadata() == null ? "" : c.metadata(), now, -1L);
                accepted.put(c.partition(), value);
                records.add(new byte[][] {GroupRecords.offsetKey(groupId, c.partition()), GroupRecords.offsetValue(value)});
            }
        }
        if (records.isEmpty()) {
            return result;
        }
        ensureOffsetsTopic();
        TopicPartition tp = new TopicPartition(OFFSETS_TOPIC, partitionFor(groupId));
        int size = 96;
        for (byte[][] kv : records) {
            size += 32 + kv[0].length + kv[1].length;
        }
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(size),
                org.apache.kafka.common.record.internal.RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                TimestampType.CREATE_TIME, 0L, now, producerId, producerEpoch,
                0, true,
                org.apache.kafka.common.record.internal.RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (byte[][] kv : records) {
            builder.append(now, kv[0], kv[1]);
        }
        AppendResult appended = replicaManager.appendFromCoordinator(tp, builder.build());
        Errors stored = switch (appended.error()) {
            case NONE -> Errors.NONE;
            case INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE -> Errors.INVALID_COMMIT_OFFSET_SIZE;
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER -> Errors.COORDINATOR_NOT_AVAILABLE;
            default -> Errors.UNKNOWN_SERVER_ERROR;
        };
        if (stored == Errors.NONE) {
            pendingTxnOffsets.computeIfAbsent(producerId, p -> new ConcurrentHashMap<>())
                    .computeIfAbsent(groupId, g -> new ConcurrentHashMap<>()).putAll(accepted);
        }
        accepted.keySet().forEach(p -> result.put(p, stored));
        return result;
    }

    private void replay(ByteBuffer key, ByteBuffer value) {
        GroupRecords.Key k = GroupRecords.readKey(key);
        if (k.type() == GroupRecords.OFFSET_KEY) {
            if (value == null) {
                Map<TopicPartition, CommittedOffset> m = offsets.get(k.group());
                if (m != null) {
                    m.remove(k.partition());
                    if (m.isEmpty()) {
                        offsets.remove(k.group());
                    }
                }
            } else {
                offsets.computeIfAbsent(k.group(), g -> new ConcurrentHashMap<>())
                        .put(k.partition(), GroupRecords.readOffsetValue(value));
            }
        } else if (k.type() == GroupRecords.CONSUMER_GROUP_KEY) {
            consumerGroups.replay(k.group(), value);
        } else if (k.type() == GroupRecords.GROUP_KEY) {
            if (value == null) {
                groups.remove(k.group());
            } else {
                groups.put(k.group(), restore(k.group(), GroupRecords.readGroupValue(value)));
            }
        }
    }

    private ClassicGroup restore(String groupId, GroupRecords.StoredGroup stored) {
        ClassicGroup group = new ClassicGroup(groupId, stored.stateTimestamp());
        group.generation = stored.generation();
        group.protocolType = stored.protocolType();
        group.protocolName = stored.protocol();
        for (GroupRecords.StoredMember sm : stored.members()) {
            LinkedHashMap<String, byte[]> protocols = new LinkedHashMap<>();
            protocols.put(stored.protocol(), sm.subscription() == null ? new byte[0] : sm.subscription());
            Member m = new Member(sm.memberId(), sm.groupInstanceId(), sm.clientId(), sm.clientHost(),
                    sm.rebalanceTimeoutMs(), sm.sessionTimeoutMs(), stored.protocolType(), protocols);
            m.assignment = sm.assignment() == null ? new byte[0] : sm.assignment();
            group.add(m);
        }
        group.leaderId = stored.leader();
        group.state = group.members.isEmpty() ? State.EMPTY : State.STABLE;
        group.protocolType = stored.protocolType();
        return group;
    }

    /** A JoinGroup request, as the coordinator needs it. */
    public record JoinRequest(String groupId, String memberId, String groupInstanceId, String protocolType,
                              LinkedHashMap<String, byte[]> protocols, int sessionTimeoutMs, int rebalanceTimeoutMs,
                              String clientId, String clientHost, boolean requireKnownMemberId) {
    }

    public CompletableFuture<JoinGroupResponseData> joinGroup(JoinRequest r) {
        return classic.joinGroup(r);
    }

    public CompletableFuture<SyncGroupResponseData> syncGroup(String groupId, int generation, String memberId,
                                                              String groupInstanceId, String protocolType,
                                                              String protocolName, Map<String, byte[]> assignments) {
        return classic.syncGroup(groupId, generation, memberId, groupInstanceId, protocolType, protocolName, assignments);
    }

    public Errors heartbeat(String groupId, String memberId, String groupInstanceId, int generation) {
        return classic.heartbeat(groupId, memberId, groupInstanceId, generation);
    }

    /** A member leaving; memberId may be empty when a static member leaves by instance id. */
    public Errors leaveGroup(String groupId, String memberId, String groupInstanceId) {
        return classic.leaveGroup(groupId, memberId, groupInstanceId);
    }

    // ------------------------------------------------------------------ offsets

    /** One partition's commit. */
    public record OffsetCommit(TopicPartition partition, long offset, int leaderEpoch, String metadata) {
    }

    /**
     * Commits offsets. A simple consumer (no generation, no member) may commit to a group with no
     * members; a group member must name its current generation.
     *
     * @param retentionMs -1 for the broker's offsets.retention.minutes
     * @return the error per partition
     */
    public Map<TopicPartition, Errors> commitOffsets(String groupId, int generation, String memberId,
                                                     String groupInstanceId, long retentionMs, List<OffsetCommit> commits,
                                                     short apiVersion) {
        Map<TopicPartition, Errors> result = new LinkedHashMap<>();
        Errors groupError = Errors.NONE;
        if (groupId == null || groupId.isEmpty()) {
            groupError = Errors.INVALID_GROUP_ID;
        }
        ConsumerGroup consumerGroup = groupError == Errors.NONE ? consumerGroups.group(groupId) : null;
        if (consumerGroup != null) {
            synchronized (consumerGroup) {
                Errors error = consumerGroup.dead ? Errors.COORDINATOR_NOT_AVAILABLE : consumerGroups.validateCommit(
                        consumerGroup, memberId, generation, apiVersion, commits.stream().map(OffsetCommit::partition).toList());
                return error == Errors.NONE ? writeOffsets(groupId, retentionMs, commits) : failAll(commits, error);
            }
        }
        ClassicGroup group = groupError == Errors.NONE ? groups.get(groupId) : null;
        if (groupError == Errors.NONE && group == null) {
            if (generation >= 0 || (memberId != null && !memberId.isEmpty())) {
                groupError = generation >= 0 ? Errors.ILLEGAL_GENERATION : Errors.UNKNOWN_MEMBER_ID;
            } else {
                synchronized (typeLock) {
                    if (consumerGroups.group(groupId) != null) {
                        // a consumer-protocol group appeared meanwhile: let the caller retry
                        return failAll(commits, Errors.COORDINATOR_LOAD_IN_PROGRESS);
                    }
                    group = groups.computeIfAbsent(groupId, id -> new ClassicGroup(id, time.milliseconds()));
                }
            }
        }
        if (groupError != Errors.NONE) {
            for (OffsetCommit c : commits) {
                result.put(c.partition(), groupError);
            }
            return result;
        }
        synchronized (group) {
            Errors error = validateCommit(group, generation, memberId, groupInstanceId);
            if (error != Errors.NONE) {
                for (OffsetCommit c : commits) {
                    result.put(c.partition(), error);
                }
                return result;
            }
            if (!group.members.isEmpty() && group.is(State.STABLE)) {
                Member m = group.member(memberId);
                if (m != null) {
                    classic.scheduleSessionTimeout(group, m);
                }
            }
            return writeOffsets(groupId, retentionMs, commits);
        }
    }

    private static Map<TopicPartition, Errors> failAll(List<OffsetCommit> commits, Errors error) {
        Map<TopicPartition, Errors> result = new LinkedHashMap<>();
        for (OffsetCommit c : commits) {
            result.put(c.partition(), error);
        }
        return result;
    }

    /** Stores validated commits (the group's monitor held). */
    private Map<TopicPartition, Errors> writeOffsets(String groupId, long retentionMs, List<OffsetCommit> commits) {
        Map<TopicPartition, Errors> result = new LinkedHashMap<>();
        long now = time.milliseconds();
        List<byte[][]> records = new ArrayList<>();
        Map<TopicPartition, CommittedOffset> accepted = new LinkedHashMap<>();
        for (OffsetCommit c : commits) {
            if (c.metadata() != null && c.metadata().length() > config.offsetMetadataMaxBytes()) {
                result.put(c.partition(), Errors.OFFSET_METADATA_TOO_LARGE);
            } else if (replicaManager.partition(c.partition()).isEmpty()) {
                result.put(c.partition(), Errors.UNKNOWN_TOPIC_OR_PARTITION);
            } else {
                CommittedOffset value = new CommittedOffset(c.offset(), c.leaderEpoch(),
                        c.metadata() == null ? "" : c.metadata(), now, retentionMs > 0 ? now + retentionMs : -1L);
                accepted.put(c.partition(), value);
                records.add(new byte[][] {GroupRecords.offsetKey(groupId, c.partition()), GroupRecords.offsetValue(value)});
            }
        }
        if (!records.isEmpty()) {
            Errors stored = forCommit(append(groupId, records));
            if (stored == Errors.NONE) {
                offsets.computeIfAbsent(groupId, g -> new ConcurrentHashMap<>()).putAll(accepted);
            }
            for (TopicPartition tp : accepted.keySet()) {
                result.put(tp, stored);
            }
        }
        return result;
    }

    private static Errors validateCommit(ClassicGroup group, int generation, String memberId, String groupInstanceId) {
        if (group.is(State.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (generation < 0 && group.is(State.EMPTY)) {
            return Errors.NONE; // a simple consumer or an admin: no membership to check
        }
        if (generation < 0 && (memberId == null || memberId.isEmpty()) && group.members.isEmpty()) {
            return Errors.NONE;
        }
        Errors error = ClassicGroupCoordinator.validateMember(group, memberId, groupInstanceId);
        if (error != Errors.NONE) {
            return error;
        }
        if (generation != group.generation) {
            return Errors.ILLEGAL_GENERATION;
        }
        if (group.is(State.COMPLETING_REBALANCE)) {
            return Errors.REBALANCE_IN_PROGRESS;
        }
        return Errors.NONE;
    }

    /** The committed offsets of a group: all of them when partitions is null. */
    public Map<TopicPartition, CommittedOffset> fetchOffsets(String groupId, List<TopicPartition> partitions) {
        Map<TopicPartition, CommittedOffset> committed = offsets.getOrDefault(groupId, Map.of());
        if (partitions == null) {
            return new LinkedHashMap<>(committed);
        }
        Map<TopicPartition, CommittedOffset> out = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            out.put(tp, committed.get(tp));
        }
        return out;
    }

    /** Removes committed offsets of an empty group past their retention (offsets.retention.minutes). */
    public void expireOffsets() {
        long now = time.milliseconds();
        for (String groupId : new ArrayList<>(offsets.keySet())) {
            ClassicGroup group = groups.get(groupId);
            ConsumerGroup consumerGroup = consumerGroups.group(groupId);
            Object monitor = consumerGroup != null ? consumerGroup : group != null ? group : offsets;
            synchronized (monitor) {
                if (group != null && !group.is(State.EMPTY)) {
                    continue;
                }
                if (consumerGroup != null && !consumerGroup.members.isEmpty()) {
                    continue;
                }
                Map<TopicPartition, CommittedOffset> committed = offsets.get(groupId);
                if (committed == null) {
                    continue;
                }
                long emptySince = consumerGroup != null ? consumerGroup.emptySince : group != null ? group.stateTimestamp : 0L;
                List<byte[][]> tombstones = new ArrayList<>();
                List<TopicPartition> expired = new ArrayList<>();
                for (Map.Entry<TopicPartition, CommittedOffset> e : committed.entrySet()) {
                    CommittedOffset o = e.getValue();
                    long base = Math.max(emptySince, o.commitTimestamp());
                    boolean past = o.expireTimestamp() > 0 ? now >= o.expireTimestamp() : now - base >= config.offsetsRetentionMs();
                    if (past) {
                        expired.add(e.getKey());
                        tombstones.add(new byte[][] {GroupRecords.offsetKey(groupId, e.getKey()), null});
                    }
                }
                if (!tombstones.isEmpty() && append(groupId, tombstones) == Errors.NONE) {
                    expired.forEach(committed::remove);
                    log.info("Expired {} committed offset(s) of group {}", expired.size(), groupId);
                }
                if (committed.isEmpty()) {
                    offsets.remove(groupId);
                    if (group != null && group.is(State.EMPTY)) {
                        deleteGroupLocked(group);
                    }
                    if (consumerGroup != null && !consumerGroup.dead) {
                        consumerGroups.delete(consumerGroup);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ admin

    /** A read-only view of a group for ListGroups/DescribeGroups. */
    public record GroupSummary(String groupId, String state, String protocolType, String protocol,
                               List<MemberSummary> members) {
    }

    /** A member as DescribeGroups shows it. */
    public record MemberSummary(String memberId, String groupInstanceId, String clientId, String clientHost,
                                byte[] metadata, byte[] assignment) {
    }

    /** A group as ListGroups shows it; groupType is "classic" or "consumer". */
    public record GroupListing(String groupId, String state, String protocolType, String groupType) {
    }

    public List<GroupListing> listGroups() {
        List<GroupListing> out = new ArrayList<>();
        for (ClassicGroup g : groups.values()) {
            describe(g.groupId).ifPresent(d -> out.add(new GroupListing(d.groupId(), d.state(), d.protocolType(), "classic")));
        }
        for (ConsumerGroupCoordinator.Listing l : consumerGroups.list()) {
            out.add(new GroupListing(l.groupId(), l.state(), CONSUMER_PROTOCOL_TYPE, "consumer"));
        }
        return out;
    }

    /** Whether the id names a live consumer-protocol (KIP-848) group. */
    public boolean isConsumerProtocolGroup(String groupId) {
        return consumerGroups.group(groupId) != null;
    }

    public Optional<GroupSummary> describe(String groupId) {
        ClassicGroup g = groups.get(groupId);
        if (g == null) {
            return Optional.empty();
        }
        synchronized (g) {
            List<MemberSummary> members = new ArrayList<>();
            if (g.is(State.STABLE) || g.is(State.COMPLETING_REBALANCE) || g.is(State.PREPARING_REBALANCE)) {
                for (Member m : g.allMembers()) {
                    members.add(new MemberSummary(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                            g.is(State.STABLE) && g.protocolName != null ? m.metadata(g.protocolName) : new byte[0],
                            g.is(State.STABLE) ? m.assignment : new byte[0]));
                }
            }
            String protocol = g.is(State.STABLE) ? g.protocolName : "";
            return Optional.of(new GroupSummary(g.groupId, g.state.wireName,
                    g.protocolType == null ? "" : g.protocolType, protocol == null ? "" : protocol, members));
        }
    }

    /** Deletes an empty group and its offsets (DeleteGroups). */
    public Errors deleteGroup(String groupId) {
        ConsumerGroup consumerGroup = consumerGroups.group(groupId);
        if (consumerGroup != null) {
            synchronized (consumerGroup) {
                if (consumerGroup.dead) {
                    return Errors.GROUP_ID_NOT_FOUND;
                }
                if (!consumerGroup.members.isEmpty()) {
                    return Errors.NON_EMPTY_GROUP;
                }
                Errors e = deleteOffsetsOf(groupId);
                return e != Errors.NONE ? e : consumerGroups.delete(consumerGroup);
            }
        }
        ClassicGroup g = groups.get(groupId);
        if (g == null) {
            if (offsets.containsKey(groupId)) {
                synchronized (offsets) {
                    Errors e = deleteOffsetsOf(groupId);
                    return e;
                }
            }
            return Errors.GROUP_ID_NOT_FOUND;
        }
        synchronized (g) {
            if (g.is(State.DEAD)) {
                return Errors.GROUP_ID_NOT_FOUND;
            }
            if (!g.is(State.EMPTY)) {
                return Errors.NON_EMPTY_GROUP;
            }
            Errors e = deleteOffsetsOf(groupId);
            if (e != Errors.NONE) {
                return e;
            }
            return deleteGroupLocked(g);
        }
    }

    private Errors deleteOffsetsOf(String groupId) {
        Map<TopicPartition, CommittedOffset> committed = offsets.get(groupId);
        if (committed == null || committed.isEmpty()) {
            offsets.remove(groupId);
            return Errors.NONE;
        }
        List<byte[][]> tombstones = new ArrayList<>();
        for (TopicPartition tp : committed.keySet()) {
            tombstones.add(new byte[][] {GroupRecords.offsetKey(groupId, tp), null});
        }
        Errors e = append(groupId, tombstones);
        if (e == Errors.NONE) {
            offsets.remove(groupId);
        }
        return e;
    }

    private Errors deleteGroupLocked(ClassicGroup g) {
        Errors e = append(g.groupId, List.<byte[][]>of(new byte[][] {GroupRecords.groupKey(g.groupId), null}));
        if (e == Errors.NONE) {
            g.transitionTo(State.DEAD, time.milliseconds());
            groups.remove(g.groupId, g);
        }
        return e;
    }

    /**
     * Deletes committed offsets of some partitions (OffsetDelete); refused for topics the group's
     * members are subscribed to.
     *
     * @param subscribedTopics topics of the group's current subscriptions (decoded by the caller)
     */
    public Map<TopicPartition, Errors> deleteOffsets(String groupId, List<TopicPartition> partitions,
                                                     java.util.function.Function<byte[], List<String>> subscribedTopics) {
        Map<TopicPartition, Errors> result = new LinkedHashMap<>();
        ClassicGroup g = groups.get(groupId);
        ConsumerGroup consumerGroup = consumerGroups.group(groupId);
        Object monitor = consumerGroup != null ? consumerGroup : g != null ? g : offsets;
        synchronized (monitor) {
            java.util.Set<String> subscribed = new java.util.HashSet<>();
            if (consumerGroup != null && !consumerGroup.members.isEmpty()) {
                subscribed.addAll(consumerGroup.subscribedTopicNames());
            }
            if (g != null && g.is(State.STABLE) && CONSUMER_PROTOCOL_TYPE.equals(g.protocolType)) {
                for (Member m : g.allMembers()) {
                    subscribed.addAll(subscribedTopics.apply(m.metadata(g.protocolName)));
                }
            }
            Map<TopicPartition, CommittedOffset> committed = offsets.getOrDefault(groupId, new HashMap<>());
            List<byte[][]> tombstones = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                if (subscribed.contains(tp.topic())) {
                    result.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
                } else {
                    result.put(tp, Errors.NONE);
                    if (committed.containsKey(tp)) {
                        tombstones.add(new byte[][] {GroupRecords.offsetKey(groupId, tp), null});
                    }
                }
            }
            if (!tombstones.isEmpty()) {
                Errors e = append(groupId, tombstones);
                if (e == Errors.NONE) {
                    result.forEach((tp, err) -> {
                        if (err == Errors.NONE) {
                            committed.remove(tp);
                        }
                    });
                } else {
                    result.replaceAll((tp, err) -> err == Errors.NONE ? e : err);
                }
            }
        }
        return result;
    }

    public boolean groupExists(String groupId) {
        return groups.containsKey(groupId) || offsets.containsKey(groupId) || consumerGroups.group(groupId) != null;
    }

    /** Stops timers; group state is already in the log. Idempotent. */
    @Override
    public void close() {
        timer.shutdownNow();
    }

}
