package io.riffle.processor.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riffle.processor.state.internal.RocksDBResources;
import io.riffle.processor.state.internal.ThreadCache;

/**
 * One stream thread: a consumer in the application's group, a producer, a restore consumer, and
 * the tasks of the partitions assigned to it. It owns all of them; nothing here is shared with
 * other threads except the flags {@link #shutdown()} sets and the producer's callbacks.
 *
 * <h2>The loop</h2>
 * poll (rebalance callbacks run inside it) → process each record in its task → wall-clock
 * punctuation → commit when {@code commit.interval.ms} passed or a record cache asked for it.
 *
 * <h2>Commit</h2>
 * Phase one: every task's stores send their buffered writes to the changelogs and downstream.
 * Then, under at-least-once: {@code producer.flush()}, {@code commitSync(offsets)}; under
 * exactly-once v2: {@code sendOffsetsToTransaction(offsets, groupMetadata)} and
 * {@code commitTransaction()} — outputs, changelog records and input offsets in one transaction,
 * begun lazily by the first send after a commit. Phase two, only after that succeeded: stores
 * write to RocksDB, tasks checkpoint (every {@code TaskStateManager.CHECKPOINT_DELTA} records).
 *
 * <h2>Rebalance</h2>
 * The consumer uses the eager range assignor, so co-partitioned partitions (same number) land
 * together and a rebalance revokes everything: revoked tasks are committed and closed with a
 * checkpoint; assigned tasks are created, restored from their changelogs (the tail after the
 * checkpoint), then processed. Lost partitions close their tasks without committing.
 *
 * <h2>Errors</h2>
 * Any exception ends the thread: tasks close dirty (the transaction is aborted under
 * exactly-once; local state stays valid for its checkpoint), clients close, and the instance is
 * told through {@link Listener#onError}.
 */
public final class StreamThread extends Thread {
    private static final Logger log = LoggerFactory.getLogger(StreamThread.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

    /** How the thread reports to its instance (called on this thread). */
    public interface Listener {
        void onRebalancing(StreamThread thread);

        void onRunning(StreamThread thread);

        void onError(StreamThread thread, Throwable error);
    }

    /** What a thread needs from the instance. */
    public record Settings(String applicationId, String bootstrapServers, String processId, boolean exactlyOnce,
                           long commitIntervalMs, Path stateDir, long cacheBytes, Serde<?> defaultKeySerde,
                           Serde<?> defaultValueSerde, Map<String, Object> consumerOverrides,
                           Map<String, Object> producerOverrides, ErrorPolicy errorPolicy) {
        /** With Kafka Streams' default error handling and timestamps. */
        public Settings(String applicationId, String bootstrapServers, String processId, boolean exactlyOnce,
                        long commitIntervalMs, Path stateDir, long cacheBytes, Serde<?> defaultKeySerde,
                        Serde<?> defaultValueSerde, Map<String, Object> consumerOverrides,
                        Map<String, Object> producerOverrides) {
            this(applicationId, bootstrapServers, processId, exactlyOnce, commitIntervalMs, stateDir, cacheBytes, defaultKeySerde,
                defaultValueSerde, consumerOverrides, producerOverrides, ErrorPolicy.defaults());
        }
    }

    private final int index;
    private final Settings settings;
    private final InternalTopology topology;
    private final RocksDBResources rocksDB;
    private final Listener listener;
    private final Map<String, Integer> subtopologyByTopic = new HashMap<>();
    private final Map<TaskId, StreamTask> tasks = new LinkedHashMap<>();
    /** The running tasks, for interactive queries from other threads (written only by this thread). */
    private final Map<TaskId, StreamTask> queryableTasks = new ConcurrentHashMap<>();
    private final ThreadCache cache;
    private final Map<TopicPartition, Long> acked = new ConcurrentHashMap<>();
    private final AtomicReference<Exception> sendError = new AtomicReference<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaConsumer<byte[], byte[]> restoreConsumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final RecordCollector collector = new ProducerCollector();
    private volatile boolean running = true;
    private volatile long restoredRecords;
    private volatile long processedRecords;
    private boolean commitRequested;
    private boolean transactionOpen;
    private long lastCommitMs;

    public StreamThread(int index, Settings settings, InternalTopology topology, RocksDBResources rocksDB, Listener listener) {
        super(settings.applicationId() + "-StreamThread-" + index);
        this.index = index;
        this.settings = settings;
        this.topology = topology;
        this.rocksDB = rocksDB;
        this.listener = listener;
        this.cache = new ThreadCache(settings.cacheBytes(), () -> commitRequested = true);
        for (InternalTopology.Subtopology s : topology.subtopologies()) {
            for (TopologyBuilder.SourceDef src : s.sources()) {
                for (String t : src.topics()) {
                    subtopologyByTopic.put(InternalTopology.topicName(settings.applicationId(), t, src.internal()), s.id());
                }
            }
        }
        String clientId = settings.applicationId() + "-" + settings.processId() + "-StreamThread-" + index;
        this.consumer = new KafkaConsumer<>(consumerConfig(clientId + "-consumer", true));
        this.restoreConsumer = new KafkaConsumer<>(consumerConfig(clientId + "-restore-consumer", false));
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-producer");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        if (settings.exactlyOnce()) {
            // stable across restarts of this instance (the process id lives in state.dir), so a
            // restarted thread fences and aborts the transaction its predecessor left open
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.applicationId() + "-" + settings.processId() + "-" + index);
            p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
        }
        p.putAll(settings.producerOverrides());
        this.producer = new KafkaProducer<>(p);
    }

    private Map<String, Object> consumerConfig(String clientId, boolean inGroup) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, settings.exactlyOnce() ? "read_committed" : "read_uncommitted");
        if (inGroup) {
            c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.applicationId());
            c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RiffleAssignor.class.getName());
        }
        c.putAll(settings.consumerOverrides());
        return c;
    }

    public long restoredRecords() {
        return restoredRecords;
    }

    public long processedRecords() {
        return processedRecords;
    }

    /** Asks the thread to commit, close its tasks and clients, and end. Returns at once. */
    public void shutdown() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void run() {
        Throwable error = null;
        try {
            if (settings.exactlyOnce()) {
                producer.initTransactions();
            }
            consumer.subscribe(subtopologyByTopic.keySet(), new Rebalance());
            lastCommitMs = System.currentTimeMillis();
            while (running) {
                pollAndProcess();
            }
        } catch (WakeupException e) {
            if (running) {
                error = e;
            }
        } catch (Throwable t) {
            error = t;
        }
        if (error == null) {
            try {
                try {
                    commit();
                } catch (WakeupException e) {
                    commit(); // the wakeup of shutdown() hit commitSync instead of poll; it is consumed now
                }
                closeTasks(new ArrayList<>(tasks.keySet()), true);
            } catch (Throwable t) {
                error = t;
            }
        }
        if (error != null) {
            log.error("{} failed; closing its tasks without committing", getName(), error);
            abortQuietly();
            closeTasks(new ArrayList<>(tasks.keySet()), false);
        }
        closeClients();
        if (error != null) {
            listener.onError(this, error);
        }
    }

    private void pollAndProcess() {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
            task(new TopicPartition(record.topic(), record.partition())).process(record);
            processedRecords++;
            if (commitRequested) {
                commit();
            }
        }
        checkSendError();
        long now = System.currentTimeMillis();
        for (StreamTask task : tasks.values()) {
            task.punctuateWallClock(now);
        }
        if (commitRequested || now - lastCommitMs >= settings.commitIntervalMs()) {
            commit();
        }
    }

    private StreamTask task(TopicPartition tp) {
        StreamTask task = tasks.get(new TaskId(subtopologyByTopic.get(tp.topic()), tp.partition()));
        if (task == null) {
            throw new IllegalStateException(getName() + ": no task for " + tp);
        }
        return task;
    }

    /** Commits every task (see the class comment). No-op without tasks. */
    private void commit() {
        lastCommitMs = System.currentTimeMillis();
        commitRequested = false;
        if (tasks.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (StreamTask task : tasks.values()) {
            Map<TopicPartition, OffsetAndMetadata> taskOffsets = task.prepareCommit();
            if (task.commitNeeded()) { // an idle task's offsets are committed already: no empty transactions when idle
                offsets.putAll(taskOffsets);
            }
        }
        if (settings.exactlyOnce()) {
            if (!offsets.isEmpty()) {
                beginTransactionIfNeeded();
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            }
            if (transactionOpen) {
                producer.commitTransaction();
                transactionOpen = false;
            }
            checkSendError();
        } else {
            producer.flush();
            checkSendError();
            if (!offsets.isEmpty()) {
                consumer.commitSync(offsets, CLIENT_TIMEOUT);
            }
        }
        for (StreamTask task : tasks.values()) {
            task.postCommit(acked, false);
        }
    }

    private void beginTransactionIfNeeded() {
        if (!transactionOpen) {
            producer.beginTransaction();
            transactionOpen = true;
        }
    }

    private void checkSendError() {
        Exception e = sendError.get();
        if (e != null) {
            throw new KafkaException(getName() + ": a record could not be sent: " + e, e);
        }
    }

    private void abortQuietly() {
        if (settings.exactlyOnce() && transactionOpen) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException e) {
                log.warn("{}: abortTransaction failed (the broker aborts it on timeout or when the id is reused)", getName(), e);
            }
            transactionOpen = false;
        }
    }

    private void closeTasks(Collection<TaskId> ids, boolean clean) {
        for (TaskId id : ids) {
            StreamTask task = tasks.remove(id);
            queryableTasks.remove(id);
            if (task == null) {
                continue;
            }
            try {
                if (clean) {
                    task.closeClean();
                } else {
                    task.closeDirty();
                }
            } catch (RuntimeException e) {
                log.warn("{}: closing task {} failed", getName(), id, e);
                task.closeDirty();
            }
        }
    }

    private void createTasks(Collection<TopicPartition> partitions) {
        Set<TaskId> wanted = new HashSet<>();
        for (TopicPartition tp : partitions) {
            wanted.add(new TaskId(subtopologyByTopic.get(tp.topic()), tp.partition()));
        }
        for (TaskId id : wanted) {
            if (tasks.containsKey(id)) {
                continue;
            }
            StreamTask task = new StreamTask(id, topology.subtopologies().get(id.subtopology()), topology, settings.applicationId(),
                settings.stateDir().resolve(id.toString()), collector, cache, rocksDB, settings.defaultKeySerde(), settings.defaultValueSerde());
            task.setErrorPolicy(settings.errorPolicy());
            try {
                task.stateManager().restore(restoreConsumer, CLIENT_TIMEOUT);
                restoredRecords += task.stateManager().restoredRecords();
                task.initializeProcessors();
            } catch (RuntimeException e) {
                task.closeDirty();
                throw e;
            }
            tasks.put(id, task);
            queryableTasks.put(id, task);
        }
        log.info("{}: running tasks {}", getName(), tasks.keySet());
    }

    private void closeClients() {
        for (AutoCloseable c : List.<AutoCloseable>of(consumer, restoreConsumer, producer)) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("{}: closing a client failed", getName(), e);
            }
        }
    }

    /** Runs inside {@code poll()} on this thread. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            listener.onRebalancing(StreamThread.this);
            if (tasks.isEmpty()) {
                return;
            }
            commit();
            closeTasks(affected(partitions), true);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            listener.onRebalancing(StreamThread.this);
            abortQuietly();
            closeTasks(affected(partitions), false);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            createTasks(partitions);
            listener.onRunning(StreamThread.this);
        }

        private List<TaskId> affected(Collection<TopicPartition> partitions) {
            List<TaskId> ids = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                TaskId id = new TaskId(subtopologyByTopic.get(tp.topic()), tp.partition());
                if (tasks.containsKey(id) && !ids.contains(id)) {
                    ids.add(id);
                }
            }
            return ids;
        }
    }

    /** Sends through the thread's producer; records acknowledged offsets and the first error. */
    private final class ProducerCollector implements RecordCollector {
        @Override
        public void send(String topic, Integer partition, byte[] key, byte[] value, long timestamp, Headers headers) {
            checkSendError();
            if (settings.exactlyOnce()) {
                beginTransactionIfNeeded();
            }
            producer.send(new ProducerRecord<>(topic, partition, timestamp, key, value, headers), (metadata, exception) -> {
                if (exception != null) {
                    sendError.compareAndSet(null, exception);
                } else {
                    acked.merge(new TopicPartition(metadata.topic(), metadata.partition()), metadata.offset() + 1, Math::max);
                }
            });
        }

        @Override
        public Map<TopicPartition, Long> acknowledgedOffsets() {
            return acked;
        }
    }

    /**
     * From any thread: committed views of the named store in this thread's running tasks (stores
     * the thread closes meanwhile throw {@code InvalidStateStoreException} when read).
     */
    public List<io.riffle.processor.state.ReadOnlyKeyValueStore<?, ?>> committedViews(String storeName) {
        List<io.riffle.processor.state.ReadOnlyKeyValueStore<?, ?>> views = new ArrayList<>();
        for (StreamTask task : queryableTasks.values()) {
            if (task.store(storeName) instanceof io.riffle.processor.state.internal.TypedKeyValueStore<?, ?> kv) {
                views.add(kv.committedView());
            }
        }
        return views;
    }

    public int index() {
        return index;
    }
}
