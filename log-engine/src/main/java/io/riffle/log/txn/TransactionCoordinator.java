package io.riffle.log.txn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.riffle.log.cluster.Partition;
import io.riffle.log.cluster.ReplicaManager;
import io.riffle.log.cluster.TopicController;
import io.riffle.log.cluster.TopicInfo;
import io.riffle.log.config.BrokerConfig;
import io.riffle.log.storage.AppendResult;
import io.riffle.log.storage.LogSegment;
import io.riffle.log.storage.PartitionLog;
import io.riffle.log.txn.TransactionMetadata.State;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
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
 * The transaction coordinator: gives transactional producers their id and epoch, tracks the
 * partitions of each open transaction, and ends transactions by writing commit or abort
 * markers to every partition involved.
 *
 * <h2>The two-phase end of a transaction</h2>
 * EndTxn first makes PrepareCommit (or PrepareAbort) durable in {@code __transaction_state};
 * from that moment the outcome is decided. Then a marker is appended to every partition of the
 * transaction (on this node, directly to the partition logs), and finally CompleteCommit/Abort
 * is recorded. A crash anywhere in between is repaired at start-up: a transaction found in a
 * Prepare state has its markers written again (a partition that already has one just gets a
 * second, harmless marker), so all partitions agree.
 *
 * <h2>Fencing</h2>
 * InitProducerId for a transactional id bumps the producer epoch: an older producer with the
 * same id is fenced (its requests fail with PRODUCER_FENCED, its batches with
 * INVALID_PRODUCER_EPOCH), and a transaction it left open is aborted with the new epoch. A
 * transaction open longer than its timeout is aborted the same way.
 *
 * <p>Thread-safety: each transactional id's metadata is guarded by its own monitor; the
 * timer thread takes the same monitors.
 */
public final class TransactionCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);
    public static final String TRANSACTION_STATE_TOPIC = "__transaction_state";

    /** Told of every marker written, so the group coordinator can settle transactional offsets. */
    public interface MarkerListener {
        void onMarker(TopicPartition partition, long producerId, short producerEpoch, boolean commit);
    }

    /** What InitProducerId answers. */
    public record ProducerIdAndEpoch(Errors error, long producerId, short producerEpoch) {
    }

    /** A transaction as DescribeTransactions/ListTransactions show it. */
    public record TransactionView(String transactionalId, String state, long producerId, short producerEpoch,
                                  int timeoutMs, long startTimestamp, List<TopicPartition> partitions) {
    }

    private final BrokerConfig config;
    private final ReplicaManager replicaManager;
    private final TopicController controller;
    private final ProducerIdManager producerIds;
    private final Time time;
    private final Map<String, TransactionMetadata> transactions = new ConcurrentHashMap<>();
    private final List<MarkerListener> markerListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private final Object topicLock = new Object();

    public TransactionCoordinator(BrokerConfig config, ReplicaManager replicaManager, TopicController controller,
                                  ProducerIdManager producerIds, Time time) {
        this.config = config;
        this.replicaManager = replicaManager;
        this.controller = controller;
        this.producerIds = producerIds;
        this.time = time;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "riffle-transaction-coordinator");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        this.timer = executor;
    }

    public void addMarkerListener(MarkerListener listener) {
        markerListeners.add(listener);
    }

    /** Replays __transaction_state, finishes transactions a crash left prepared, starts the timers. */
    public void startup() {
        controller.metadata().topic(TRANSACTION_STATE_TOPIC).ifPresent(this::load);
        for (TransactionMetadata m : transactions.values()) {
            synchronized (m) {
                if (m.state.prepared()) {
                    log.info("Completing transaction {} left in {} by the last stop", m.transactionalId, m.state);
                    completeTransaction(m);
                }
            }
        }
        int abortInterval = config.transactionAbortCheckIntervalMs();
        timer.scheduleWithFixedDelay(this::abortTimedOutTransactions, abortInterval, abortInterval, TimeUnit.MILLISECONDS);
        int expireInterval = config.transactionExpireCheckIntervalMs();
        timer.scheduleWithFixedDelay(this::expireTransactionalIds, expireInterval, expireInterval, TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ state topic

    public void ensureStateTopic() {
        if (controller.metadata().topic(TRANSACTION_STATE_TOPIC).isPresent()) {
            return;
        }
        synchronized (topicLock) {
            if (controller.metadata().topic(TRANSACTION_STATE_TOPIC).isEmpty()) {
                controller.createTopic(TRANSACTION_STATE_TOPIC, config.transactionStatePartitions(), (short) 1, Map.of(
                        "cleanup.policy", "compact",
                        "segment.bytes", Integer.toString(config.transactionStateSegmentBytes())), false);
                log.info("Created {} with {} partitions", TRANSACTION_STATE_TOPIC, config.transactionStatePartitions());
            }
        }
    }

    private TopicPartition stateTopicPartition(String transactionalId) {
        int partitions = controller.metadata().topic(TRANSACTION_STATE_TOPIC).map(TopicInfo::partitionCount)
                .orElse(config.transactionStatePartitions());
        return new TopicPartition(TRANSACTION_STATE_TOPIC, Utils.abs(transactionalId.hashCode()) % partitions);
    }

    /** The coordinator epoch: the leader epoch of the transaction's state partition. */
    private int coordinatorEpoch(String transactionalId) {
        return replicaManager.partition(stateTopicPartition(transactionalId)).map(Partition::leaderEpoch).orElse(0);
    }

    /** Writes the new metadata durably; the caller applies it only on NONE. */
    private Errors persist(TransactionMetadata next) {
        ensureStateTopic();
        byte[] key = TransactionMetadata.key(next.transactionalId);
        byte[] value = next.state == State.DEAD ? null : next.value();
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(64 + key.length
                + (value == null ? 0 : value.length)), Compression.NONE, TimestampType.CREATE_TIME, 0L);
        builder.append(time.milliseconds(), key, value);
        AppendResult result = replicaManager.appendFromCoordinator(stateTopicPartition(next.transactionalId), builder.build());
        return switch (result.error()) {
            case NONE -> Errors.NONE;
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER -> Errors.NOT_COORDINATOR;
            default -> Errors.COORDINATOR_NOT_AVAILABLE;
        };
    }

    private void load(TopicInfo topic) {
        int records = 0;
        for (TopicInfo.PartitionAssignment a : topic.partitions()) {
            Optional<Partition> partition = replicaManager.partition(new TopicPartition(TRANSACTION_STATE_TOPIC, a.partition()));
            if (partition.isEmpty()) {
                continue;
            }
            PartitionLog partitionLog = partition.get().log();
            for (LogSegment segment : partitionLog.segments()) {
                for (FileChannelRecordBatch batch : segment.records().batches()) {
                    for (Record r : batch) {
                        if (r.offset() < partitionLog.logStartOffset() || !r.hasKey()) {
                            continue;
                        }
                        String id = TransactionMetadata.readKey(r.key());
                        if (r.hasValue()) {
                            transactions.put(id, TransactionMetadata.read(id, r.value()));
                        } else {
                            transactions.remove(id);
                        }
                        records++;
                    }
                }
            }
        }
        log.info("Loaded {} transactional id(s) from {} records of {}", transactions.size(), records, TRANSACTION_STATE_TOPIC);
    }

    // ------------------------------------------------------------------ InitProducerId

    public ProducerIdAndEpoch initProducerId(String transactionalId, int timeoutMs, long expectedProducerId,
                                             short expectedEpoch) {
        if (transactionalId.isEmpty()) {
            return new ProducerIdAndEpoch(Errors.INVALID_REQUEST, -1L, (short) -1);
        }
        if (timeoutMs <= 0 || timeoutMs > config.transactionMaxTimeoutMs()) {
            return new ProducerIdAndEpoch(Errors.INVALID_TRANSACTION_TIMEOUT, -1L, (short) -1);
        }
        ensureStateTopic();
        TransactionMetadata m;
        boolean[] created = {false};
        try {
            m = transactions.computeIfAbsent(transactionalId, id -> {
                created[0] = true;
                return newMetadata(id, timeoutMs);
            });
        } catch (IllegalStateException e) {
            return new ProducerIdAndEpoch(Errors.COORDINATOR_NOT_AVAILABLE, -1L, (short) -1);
        }
        synchronized (m) {
            if (m.state == State.DEAD) {
                return new ProducerIdAndEpoch(Errors.CONCURRENT_TRANSACTIONS, -1L, (short) -1);
            }
            if (expectedProducerId >= 0 && (expectedProducerId != m.producerId || expectedEpoch != m.producerEpoch)) {
                // KIP-360: a producer recovering with its old id and epoch must still be the current one
                boolean previousEpoch = expectedProducerId == m.producerId && expectedEpoch == m.producerEpoch - 1;
                if (!previousEpoch) {
                    return new ProducerIdAndEpoch(Errors.PRODUCER_FENCED, -1L, (short) -1);
                }
            }
            if (m.state.prepared()) {
                completeTransaction(m);
            }
            if (m.state == State.ONGOING) {
                // a new incarnation of the producer: its predecessor's transaction is aborted and fenced
                Errors aborted = abortAndFence(m, "InitProducerId from a new producer instance");
                if (aborted != Errors.NONE) {
                    return new ProducerIdAndEpoch(aborted, -1L, (short) -1);
                }
            }
            TransactionMetadata next = m.copy();
            next.timeoutMs = timeoutMs;
            next.state = State.EMPTY;
            next.partitions.clear();
            next.txnStartTimestamp = -1L;
            next.lastUpdateTimestamp = time.milliseconds();
            // A new transactional id starts at epoch 0; every later InitProducerId fences the previous instance.
            if (!created[0] && !bumpEpoch(next)) {
                return new ProducerIdAndEpoch(Errors.COORDINATOR_NOT_AVAILABLE, -1L, (short) -1);
            }
            Errors e = persist(next);
            if (e != Errors.NONE) {
                return new ProducerIdAndEpoch(e, -1L, (short) -1);
            }
            m.copyFrom(next);
            return new ProducerIdAndEpoch(Errors.NONE, m.producerId, m.producerEpoch);
        }
    }

    private TransactionMetadata newMetadata(String transactionalId, int timeoutMs) {
        try {
            return new TransactionMetadata(transactionalId, producerIds.nextProducerId(), (short) 0, timeoutMs,
                    time.milliseconds());
        } catch (IOException e) {
            throw new IllegalStateException("cannot reserve a producer id", e);
        }
    }

    /** Next epoch, or a new producer id when the epoch is exhausted. */
    private boolean bumpEpoch(TransactionMetadata next) {
        if (next.producerEpoch >= Short.MAX_VALUE - 1) {
            try {
                next.producerId = producerIds.nextProducerId();
                next.producerEpoch = 0;
            } catch (IOException e) {
                return false;
            }
        } else {
            next.producerEpoch++;
        }
        return true;
    }

    // ------------------------------------------------------------------ adding partitions

    /** Checks that a request comes from the current producer of the transactional id. */
    private Errors validateProducer(TransactionMetadata m, long producerId, short producerEpoch) {
        if (m == null || m.producerId != producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (producerEpoch != m.producerEpoch) {
            return Errors.PRODUCER_FENCED;
        }
        if (m.state.prepared()) {
            return Errors.CONCURRENT_TRANSACTIONS;
        }
        return Errors.NONE;
    }

    /**
     * Adds partitions to the producer's transaction (AddPartitionsToTxn, and AddOffsetsToTxn for
     * the group's offsets partition); starts the transaction if none is open.
     *
     * @param verifyOnly only check that the partitions are already in the transaction
     */
    public Map<TopicPartition, Errors> addPartitions(String transactionalId, long producerId, short producerEpoch,
                                                     Collection<TopicPartition> partitions, boolean verifyOnly) {
        Map<TopicPartition, Errors> result = new LinkedHashMap<>();
        TransactionMetadata m = transactions.get(transactionalId);
        if (m == null) {
            partitions.forEach(tp -> result.put(tp, Errors.INVALID_PRODUCER_ID_MAPPING));
            return result;
        }
        synchronized (m) {
            Errors e = validateProducer(m, producerId, producerEpoch);
            if (e != Errors.NONE) {
                partitions.forEach(tp -> result.put(tp, e));
                return result;
            }
            if (verifyOnly) {
                partitions.forEach(tp -> result.put(tp, m.state == State.ONGOING && m.partitions.contains(tp)
                        ? Errors.NONE : Errors.TRANSACTION_ABORTABLE));
                return result;
            }
            boolean anyUnknown = false;
            for (TopicPartition tp : partitions) {
                if (replicaManager.partition(tp).isEmpty()) {
                    result.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                    anyUnknown = true;
                }
            }
            if (anyUnknown) {
                partitions.forEach(tp -> result.putIfAbsent(tp, Errors.OPERATION_NOT_ATTEMPTED));
                return result;
            }
            if (m.state == State.ONGOING && m.partitions.containsAll(partitions)) {
                partitions.forEach(tp -> result.put(tp, Errors.NONE));
                return result;
            }
            TransactionMetadata next = m.copy();
            long now = time.milliseconds();
            if (next.state != State.ONGOING) {
                next.state = State.ONGOING;
                next.partitions.clear();
                next.txnStartTimestamp = now;
            }
            next.partitions.addAll(partitions);
            next.lastUpdateTimestamp = now;
            Errors stored = persist(next);
            if (stored == Errors.NONE) {
                m.copyFrom(next);
            }
            partitions.forEach(tp -> result.put(tp, stored));
            return result;
        }
    }

    // ------------------------------------------------------------------ ending transactions

    /** EndTxn: commits or aborts the producer's transaction. */
    public Errors endTransaction(String transactionalId, long producerId, short producerEpoch, boolean commit) {
        TransactionMetadata m = transactions.get(transactionalId);
        if (m == null) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        synchronized (m) {
            if (m.producerId != producerId) {
                return Errors.INVALID_PRODUCER_ID_MAPPING;
            }
            if (producerEpoch != m.producerEpoch) {
                return Errors.PRODUCER_FENCED;
            }
            switch (m.state) {
                case ONGOING -> {
                    return prepareAndComplete(m, commit ? State.PREPARE_COMMIT : State.PREPARE_ABORT, false);
                }
                case COMPLETE_COMMIT -> {
                    return commit ? Errors.NONE : Errors.INVALID_TXN_STATE; // a retried EndTxn
                }
                case COMPLETE_ABORT -> {
                    return commit ? Errors.INVALID_TXN_STATE : Errors.NONE;
                }
                case PREPARE_COMMIT, PREPARE_ABORT -> {
                    boolean same = (m.state == State.PREPARE_COMMIT) == commit;
                    if (!same) {
                        return Errors.INVALID_TXN_STATE;
                    }
                    completeTransaction(m);
                    return m.state.complete() ? Errors.NONE : Errors.CONCURRENT_TRANSACTIONS;
                }
                case EMPTY -> {
                    return commit ? Errors.INVALID_TXN_STATE : Errors.NONE;
                }
                default -> {
                    return Errors.INVALID_TXN_STATE;
                }
            }
        }
    }

    /** Records the decision (Prepare*) durably, then writes markers and completes. Monitor held. */
    private Errors prepareAndComplete(TransactionMetadata m, State prepare, boolean bumpEpoch) {
        TransactionMetadata next = m.copy();
        next.state = prepare;
        next.lastUpdateTimestamp = time.milliseconds();
        if (bumpEpoch && !bumpEpoch(next)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        Errors e = persist(next);
        if (e != Errors.NONE) {
            return e;
        }
        m.copyFrom(next);
        CrashPoints.reached(CrashPoints.TXN_AFTER_PREPARE);
        completeTransaction(m);
        return Errors.NONE;
    }

    /** Writes the markers of a prepared transaction and records its completion. Monitor held. */
    private void completeTransaction(TransactionMetadata m) {
        boolean commit = m.state == State.PREPARE_COMMIT;
        int coordinatorEpoch = coordinatorEpoch(m.transactionalId);
        boolean first = true;
        for (TopicPartition tp : m.partitions) {
            AppendResult r = replicaManager.appendEndTxnMarker(tp, m.producerId, m.producerEpoch, coordinatorEpoch, commit);
            if (r.error() != Errors.NONE && r.error() != Errors.UNKNOWN_TOPIC_OR_PARTITION) {
                log.warn("Transaction {}: marker to {} failed with {}; will retry", m.transactionalId, tp, r.error());
                timer.schedule(() -> retryCompletion(m), 1, TimeUnit.SECONDS);
                return;
            }
            if (r.error() == Errors.NONE) {
                for (MarkerListener l : markerListeners) {
                    l.onMarker(tp, m.producerId, m.producerEpoch, commit);
                }
            }
            if (first) {
                CrashPoints.reached(CrashPoints.TXN_AFTER_FIRST_MARKER);
                first = false;
            }
        }
        CrashPoints.reached(CrashPoints.TXN_BEFORE_COMPLETE);
        TransactionMetadata next = m.copy();
        next.state = commit ? State.COMPLETE_COMMIT : State.COMPLETE_ABORT;
        next.partitions.clear();
        next.lastUpdateTimestamp = time.milliseconds();
        if (persist(next) == Errors.NONE) {
            m.copyFrom(next);
        } else {
            timer.schedule(() -> retryCompletion(m), 1, TimeUnit.SECONDS);
        }
    }

    private void retryCompletion(TransactionMetadata m) {
        synchronized (m) {
            if (m.state.prepared()) {
                completeTransaction(m);
            }
        }
    }

    /** Aborts an open transaction with a bumped epoch, fencing its producer. Monitor held. */
    private Errors abortAndFence(TransactionMetadata m, String reason) {
        log.info("Aborting transaction {} of producer {} epoch {}: {}", m.transactionalId, m.producerId,
                m.producerEpoch, reason);
        return prepareAndComplete(m, State.PREPARE_ABORT, true);
    }

    /** Aborts transactions open longer than their timeout (the timer calls this; so can tests). */
    public void abortTimedOutTransactions() {
        long now = time.milliseconds();
        for (TransactionMetadata m : transactions.values()) {
            synchronized (m) {
                if (m.state == State.ONGOING && now - m.txnStartTimestamp > m.timeoutMs) {
                    abortAndFence(m, "the transaction timed out after " + m.timeoutMs + " ms");
                }
            }
        }
    }

    private void expireTransactionalIds() {
        long now = time.milliseconds();
        for (TransactionMetadata m : transactions.values()) {
            synchronized (m) {
                if (m.state.complete() && now - m.lastUpdateTimestamp > config.transactionalIdExpirationMs()) {
                    TransactionMetadata next = m.copy();
                    next.state = State.DEAD;
                    if (persist(next) == Errors.NONE) {
                        m.state = State.DEAD;
                        transactions.remove(m.transactionalId, m);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ admin views

    public Optional<TransactionView> describe(String transactionalId) {
        TransactionMetadata m = transactions.get(transactionalId);
        if (m == null) {
            return Optional.empty();
        }
        synchronized (m) {
            return Optional.of(view(m));
        }
    }

    public List<TransactionView> list() {
        List<TransactionView> out = new ArrayList<>();
        for (TransactionMetadata m : transactions.values()) {
            synchronized (m) {
                if (m.state != State.DEAD) {
                    out.add(view(m));
                }
            }
        }
        return out;
    }

    private static TransactionView view(TransactionMetadata m) {
        return new TransactionView(m.transactionalId, m.state.wireName, m.producerId, m.producerEpoch, m.timeoutMs,
                m.txnStartTimestamp, new ArrayList<>(m.partitions));
    }

    /** The coordinator's own partition for a transactional id, for FindCoordinator. */
    public int partitionFor(String transactionalId) {
        return stateTopicPartition(transactionalId).partition();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
