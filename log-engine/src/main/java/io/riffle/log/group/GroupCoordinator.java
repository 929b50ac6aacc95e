package io.riffle.log.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
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
 * The group coordinator: runs the classic rebalance protocol for consumer groups and keeps
 * their committed offsets. Groups of the consumer protocol (KIP-848) are run by
 * {@link ConsumerGroupCoordinator}, which this class owns; a group id belongs to one protocol at
 * a time, and an empty group may change protocol (as Kafka's online upgrade/downgrade of empty
 * groups). Committed offsets are shared by both.
 *
 * <h2>Rebalancing</h2>
 * A group rebalances when a member joins, leaves, changes its subscription, or misses its
 * session timeout. Every member must rejoin (JoinGroup) within the rebalance timeout; members
 * that do not are removed. The coordinator then starts a new generation, picks the protocol
 * all members support, and answers every JoinGroup — the leader's with all members'
 * subscriptions. The leader computes the assignment and sends it in its SyncGroup; the
 * coordinator stores it and hands each member its share. New members first get a member id
 * (MEMBER_ID_REQUIRED) and must rejoin with it. A static member ({@code group.instance.id})
 * that restarts within its session timeout takes its old place without a rebalance.
 *
 * <h2>State</h2>
 * Committed offsets and group metadata are records in the compacted {@code __consumer_offsets}
 * topic, written before the request is answered and replayed at start-up. A group lives in
 * the partition {@code abs(hash(group)) % offsets.topic.num.partitions}; on one node this node
 * coordinates all of them.
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

    /** Kafka's answer to a group (assignment) record the log refused as too large. */
    private static Errors forGroup(Errors appendError) {
        return appendError == Errors.RECORD_LIST_TOO_LARGE ? Errors.UNKNOWN_SERVER_ERROR : appendError;
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
                    scheduleSessionTimeout(group, m);
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

    private Errors storeGroup(ClassicGroup group) {
        List<GroupRecords.StoredMember> members = new ArrayList<>();
        for (Member m : group.allMembers()) {
            members.add(new GroupRecords.StoredMember(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                    m.rebalanceTimeoutMs, m.sessionTimeoutMs, group.protocolName == null ? null : m.metadata(group.protocolName),
                    m.assignment));
        }
        GroupRecords.StoredGroup stored = new GroupRecords.StoredGroup(group.protocolType, group.generation,
                group.protocolName, group.leaderId, group.stateTimestamp, members);
        return forGroup(append(group.groupId, List.<byte[][]>of(new byte[][] {GroupRecords.groupKey(group.groupId),
                GroupRecords.groupValue(stored)})));
    }

    // ------------------------------------------------------------------ join

    /** A JoinGroup request, as the coordinator needs it. */
    public record JoinRequest(String groupId, String memberId, String groupInstanceId, String protocolType,
                              LinkedHashMap<String, byte[]> protocols, int sessionTimeoutMs, int rebalanceTimeoutMs,
                              String clientId, String clientHost, boolean requireKnownMemberId) {
    }

    private static JoinGroupResponseData joinError(Errors error, String memberId) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setGenerationId(-1)
                .setMemberId(memberId == null ? "" : memberId).setLeader("").setProtocolName(null);
    }

    public CompletableFuture<JoinGroupResponseData> joinGroup(JoinRequest r) {
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
        ensureOffsetsTopic();
        ClassicGroup group;
        if (newMember) {
            synchronized (typeLock) {
                Errors retired = consumerGroups.retireIfEmpty(r.groupId());
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

    private void joinNewMember(ClassicGroup group, JoinRequest r, CompletableFuture<JoinGroupResponseData> f) {
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
    private void rejoinStaticMember(ClassicGroup group, Member old, String newId, JoinRequest r,
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

    private static boolean sameProtocols(Member m, JoinRequest r) {
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

    private void addMemberAndRebalance(ClassicGroup group, String memberId, JoinRequest r,
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

    private void joinKnownMember(ClassicGroup group, JoinRequest r, CompletableFuture<JoinGroupResponseData> f) {
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

    private void scheduleSessionTimeout(ClassicGroup group, Member m) {
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

    private static Errors validateMember(ClassicGroup group, String memberId, String groupInstanceId) {
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
                    scheduleSessionTimeout(group, m);
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
        Errors error = validateMember(group, memberId, groupInstanceId);
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
