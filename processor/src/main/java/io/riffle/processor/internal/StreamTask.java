package io.riffle.processor.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.riffle.processor.api.Cancellable;
import io.riffle.processor.api.Processor;
import io.riffle.processor.api.ProcessorContext;
import io.riffle.processor.api.PunctuationType;
import io.riffle.processor.api.Punctuator;
import io.riffle.processor.api.Record;
import io.riffle.processor.internal.InternalTopology.Subtopology;
import io.riffle.processor.internal.TopologyBuilder.NodeDef;
import io.riffle.processor.internal.TopologyBuilder.ProcessorDef;
import io.riffle.processor.internal.TopologyBuilder.SinkDef;
import io.riffle.processor.internal.TopologyBuilder.SourceDef;
import io.riffle.processor.state.StateStore;
import io.riffle.processor.state.StoreBuilder;
import io.riffle.processor.state.internal.ChangelogSender;
import io.riffle.processor.state.internal.InternalStoreContext;
import io.riffle.processor.state.internal.RestorableStore;
import io.riffle.processor.state.internal.RocksDBResources;
import io.riffle.processor.state.internal.TaskStateManager;
import io.riffle.processor.state.internal.ThreadCache;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subtopology running on one partition number: its processor instances, its stores and
 * their {@link TaskStateManager}, its stream time, and the input offsets it has consumed.
 *
 * <p>Life: constructed (stores opened, local state checked against the checkpoint) →
 * {@code stateManager().restore(...)} by the owner → {@link #initializeProcessors()} →
 * {@link #process} / punctuate → {@link #prepareCommit()} + {@link #postCommit} at each commit →
 * {@link #closeClean()} (after a commit) or {@link #closeDirty()}.
 *
 * <p>Not thread-safe: owned by one stream thread (or by the test driver).
 */
public final class StreamTask implements InternalStoreContext {
    private static final Logger log = LoggerFactory.getLogger(StreamTask.class);

    private final TaskId id;
    private final String applicationId;
    private final Path taskDirectory;
    private final RecordCollector collector;
    private final ThreadCache cache;
    private final RocksDBResources rocksDB;
    private final Serde<?> defaultKeySerde;
    private final Serde<?> defaultValueSerde;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, Node> sourcesByTopic = new HashMap<>();
    private final Map<String, StateStore> stores = new LinkedHashMap<>();
    private final TaskStateManager stateManager;
    private final Map<TopicPartition, Long> consumed = new HashMap<>();
    private final List<Schedule> schedules = new ArrayList<>();
    private long streamTime = -1;
    private String currentTopic;
    private int currentPartition = -1;
    private long currentOffset = -1;
    private long currentTimestamp;
    private boolean commitNeeded;
    private boolean closed;
    private java.util.function.LongSupplier wallClock = System::currentTimeMillis;

    public StreamTask(TaskId id, Subtopology subtopology, InternalTopology topology, String applicationId, Path taskDirectory,
                      RecordCollector collector, ThreadCache cache, RocksDBResources rocksDB,
                      Serde<?> defaultKeySerde, Serde<?> defaultValueSerde) {
        this.id = id;
        this.applicationId = applicationId;
        this.taskDirectory = taskDirectory;
        this.collector = collector;
        this.cache = cache;
        this.rocksDB = rocksDB;
        this.defaultKeySerde = defaultKeySerde;
        this.defaultValueSerde = defaultValueSerde;
        this.stateManager = new TaskStateManager(id.toString(), taskDirectory);
        for (NodeDef def : subtopology.nodes()) {
            Node node = new Node(def);
            nodes.put(def.name(), node);
            for (String parent : def.parents()) {
                nodes.get(parent).children.add(node);
            }
            if (def instanceof SourceDef s) {
                for (String t : s.topics()) {
                    sourcesByTopic.put(InternalTopology.topicName(applicationId, t, s.internal()), node);
                }
            }
        }
        try {
            for (String storeName : subtopology.stores()) {
                StoreBuilder<?> builder = topology.store(storeName);
                StateStore store = builder.build();
                stores.put(storeName, store);
                store.init(this);
            }
        } catch (RuntimeException e) {
            closeStores();
            throw e;
        }
    }

    public TaskId id() {
        return id;
    }

    public TaskStateManager stateManager() {
        return stateManager;
    }

    public Set<String> sourceTopics() {
        return sourcesByTopic.keySet();
    }

    /** The clock of wall-clock punctuations (the test driver's is manual). */
    public void setWallClock(java.util.function.LongSupplier clock) {
        this.wallClock = clock;
    }

    /** After restoration: calls every processor's {@code init}, parents first. */
    public void initializeProcessors() {
        for (Node node : nodes.values()) {
            node.init();
        }
    }

    /** Processes one input record through the subtopology. */
    public void process(ConsumerRecord<byte[], byte[]> record) {
        Node source = sourcesByTopic.get(record.topic());
        if (source == null) {
            throw new IllegalStateException("task " + id + " has no source for topic " + record.topic());
        }
        currentTopic = record.topic();
        currentPartition = record.partition();
        currentOffset = record.offset();
        currentTimestamp = record.timestamp();
        try {
            if (record.timestamp() < 0) {
                throw new IllegalArgumentException("invalid (negative) timestamp " + record.timestamp());
            }
            streamTime = Math.max(streamTime, record.timestamp());
            source.process(new Record<>(record.key(), record.value(), record.timestamp(), record.headers()));
            consumed.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
            commitNeeded = true;
            punctuate(PunctuationType.STREAM_TIME, streamTime);
        } catch (ProcessingException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ProcessingException("task " + id + ": failed to process record " + record.topic() + "-" + record.partition()
                + "@" + record.offset() + ": " + e, e);
        } finally {
            currentTopic = null;
            currentPartition = -1;
            currentOffset = -1;
        }
    }

    /** Runs due wall-clock punctuations. */
    public void punctuateWallClock(long nowMs) {
        punctuate(PunctuationType.WALL_CLOCK_TIME, nowMs);
    }

    private void punctuate(PunctuationType type, long time) {
        for (Schedule s : List.copyOf(schedules)) {
            if (s.type != type || s.cancelled) {
                continue;
            }
            if (s.next < 0) {
                s.next = time + s.intervalMs;
                continue;
            }
            if (time >= s.next) {
                long saved = currentTimestamp;
                currentTimestamp = time;
                try {
                    s.punctuator.punctuate(time);
                } catch (RuntimeException e) {
                    throw new ProcessingException("task " + id + ": punctuator of " + s.node.def.name() + " failed: " + e, e);
                } finally {
                    currentTimestamp = saved;
                }
                commitNeeded = true;
                s.next = time + s.intervalMs - ((time - s.next) % s.intervalMs);
            }
        }
    }

    public boolean commitNeeded() {
        return commitNeeded;
    }

    /** Prefix of the committed-offset metadata that carries the task's stream time. */
    static final String STREAM_TIME_METADATA = "riffle.stream.time=";

    /**
     * Phase one of a commit: stores log and forward their buffered writes. Returns input offsets,
     * each carrying the task's stream time in its metadata, so a restarted task does not reopen
     * windows that had already closed (Kafka Streams keeps it there too).
     */
    public Map<TopicPartition, OffsetAndMetadata> prepareCommit() {
        stateManager.prepareCommit();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        String metadata = STREAM_TIME_METADATA + streamTime;
        consumed.forEach((tp, next) -> offsets.put(tp, new OffsetAndMetadata(next, metadata)));
        return offsets;
    }

    /** Restores stream time from the metadata of the task's committed offsets (the greatest wins). */
    public void initializeStreamTime(Collection<OffsetAndMetadata> committed) {
        for (OffsetAndMetadata o : committed) {
            if (o != null && o.metadata() != null && o.metadata().startsWith(STREAM_TIME_METADATA)) {
                try {
                    streamTime = Math.max(streamTime, Long.parseLong(o.metadata().substring(STREAM_TIME_METADATA.length())));
                } catch (NumberFormatException e) {
                    // metadata written by someone else: stream time starts from the input
                }
            }
        }
    }

    /** Phase two, after the commit succeeded: stores write to RocksDB; maybe checkpoint. */
    public void postCommit(Map<TopicPartition, Long> acknowledgedOffsets, boolean forceCheckpoint) {
        for (StateStore store : stores.values()) {
            store.flush();
        }
        stateManager.changelogCommitted(acknowledgedOffsets);
        stateManager.checkpoint(forceCheckpoint);
        commitNeeded = false;
    }

    /** Closes a task that was just committed, writing its checkpoint first. */
    public void closeClean() {
        if (!closed) {
            stateManager.checkpoint(true);
        }
        close(true);
    }

    /** Closes without flushing: buffered writes are dropped; local state stays valid for the checkpoint. */
    public void closeDirty() {
        close(false);
    }

    private void close(boolean clean) {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (Node node : nodes.values()) {
            try {
                node.close();
            } catch (RuntimeException e) {
                log.warn("task {}: closing processor {} failed", id, node.def.name(), e);
                first = first == null ? e : first;
            }
        }
        closeStores();
        if (clean && first != null) {
            throw first;
        }
    }

    private void closeStores() {
        for (StateStore store : stores.values()) {
            try {
                store.close();
            } catch (RuntimeException e) {
                log.warn("task {}: closing store {} failed", id, store.name(), e);
            }
        }
    }

    public StateStore store(String name) {
        return stores.get(name);
    }

    public long streamTime() {
        return streamTime;
    }

    // ---- InternalStoreContext ----

    @Override
    public String applicationId() {
        return applicationId;
    }

    @Override
    public String taskId() {
        return id.toString();
    }

    @Override
    public Path taskDirectory() {
        return taskDirectory;
    }

    @Override
    public void register(String storeName, boolean logged, RestorableStore store) {
        stateManager.register(storeName, store,
            logged ? new TopicPartition(changelogTopic(storeName), id.partition()) : null);
    }

    @Override
    public ChangelogSender changelogSender() {
        return (topic, partition, key, value, timestamp) -> collector.send(topic, partition, key, value, timestamp, new RecordHeaders());
    }

    @Override
    public String changelogTopic(String storeName) {
        return InternalTopology.changelogTopic(applicationId, storeName);
    }

    @Override
    public int changelogPartition() {
        return id.partition();
    }

    @Override
    public ThreadCache threadCache() {
        return cache;
    }

    @Override
    public RocksDBResources rocksDBResources() {
        return rocksDB;
    }

    @Override
    public long recordTimestamp() {
        return currentTimestamp;
    }

    @Override
    public Serde<?> defaultKeySerde() {
        return defaultKeySerde;
    }

    @Override
    public Serde<?> defaultValueSerde() {
        return defaultValueSerde;
    }

    // ---- nodes ----

    private static final class Schedule {
        final Node node;
        final long intervalMs;
        final PunctuationType type;
        final Punctuator punctuator;
        long next = -1;
        boolean cancelled;

        Schedule(Node node, long intervalMs, PunctuationType type, Punctuator punctuator) {
            this.node = node;
            this.intervalMs = intervalMs;
            this.type = type;
            this.punctuator = punctuator;
        }
    }

    /** A node instance: the user's processor, or a source (deserializes) or sink (serializes, sends). */
    private final class Node implements ProcessorContext<Object, Object> {
        final NodeDef def;
        final List<Node> children = new ArrayList<>();
        Processor<Object, Object, Object, Object> processor;
        Serde<Object> keySerde;
        Serde<Object> valueSerde;
        String sinkTopic;

        Node(NodeDef def) {
            this.def = def;
        }

        @SuppressWarnings("unchecked")
        void init() {
            if (def instanceof SourceDef s) {
                keySerde = (Serde<Object>) (s.keySerde() != null ? s.keySerde() : defaultKeySerde);
                valueSerde = (Serde<Object>) (s.valueSerde() != null ? s.valueSerde() : defaultValueSerde);
            } else if (def instanceof SinkDef s) {
                keySerde = (Serde<Object>) (s.keySerde() != null ? s.keySerde() : defaultKeySerde);
                valueSerde = (Serde<Object>) (s.valueSerde() != null ? s.valueSerde() : defaultValueSerde);
                sinkTopic = InternalTopology.topicName(applicationId, s.topic(), s.internal());
            } else if (def instanceof ProcessorDef p) {
                processor = (Processor<Object, Object, Object, Object>) p.supplier().get();
                processor.init(this);
            }
        }

        void process(Record<Object, Object> record) {
            if (def instanceof SourceDef) {
                String topic = currentTopic;
                Object key = record.key() == null ? null : keySerde.deserializer().deserialize(topic, record.headers(), (byte[]) record.key());
                Object value = record.value() == null ? null : valueSerde.deserializer().deserialize(topic, record.headers(), (byte[]) record.value());
                forward(new Record<>(key, value, record.timestamp(), record.headers()));
            } else if (def instanceof SinkDef) {
                byte[] key = record.key() == null ? null : keySerde.serializer().serialize(sinkTopic, record.headers(), record.key());
                byte[] value = record.value() == null ? null : valueSerde.serializer().serialize(sinkTopic, record.headers(), record.value());
                collector.send(sinkTopic, null, key, value, record.timestamp(), record.headers());
            } else {
                processor.process(record);
            }
        }

        void close() {
            if (processor != null) {
                processor.close();
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public <K, V> void forward(Record<K, V> record) {
            for (Node child : children) {
                child.process((Record<Object, Object>) record);
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public <K, V> void forward(Record<K, V> record, String childName) {
            for (Node child : children) {
                if (child.def.name().equals(childName)) {
                    child.process((Record<Object, Object>) record);
                    return;
                }
            }
            throw new IllegalArgumentException("processor " + def.name() + " has no child named '" + childName + "'");
        }

        @Override
        @SuppressWarnings("unchecked")
        public <S extends StateStore> S getStateStore(String name) {
            if (!(def instanceof ProcessorDef p) || !p.stores().contains(name)) {
                throw new IllegalArgumentException("processor " + def.name() + " is not connected to a store named '" + name
                    + "'; connect it with addStateStore(builder, \"" + def.name() + "\") or KStream.process(supplier, \"" + name + "\")");
            }
            return (S) stores.get(name);
        }

        @Override
        public Cancellable schedule(Duration interval, PunctuationType type, Punctuator punctuator) {
            if (interval.toMillis() < 1) {
                throw new IllegalArgumentException("punctuation interval must be at least 1 ms, was " + interval);
            }
            Schedule s = new Schedule(this, interval.toMillis(), type, punctuator);
            if (type == PunctuationType.WALL_CLOCK_TIME) {
                s.next = wallClock.getAsLong() + s.intervalMs;
            }
            schedules.add(s);
            return () -> s.cancelled = true;
        }

        @Override
        public String taskId() {
            return id.toString();
        }

        @Override
        public String applicationId() {
            return applicationId;
        }

        @Override
        public String topic() {
            return currentTopic;
        }

        @Override
        public int partition() {
            return currentPartition;
        }

        @Override
        public long offset() {
            return currentOffset;
        }

        @Override
        public long currentStreamTimeMs() {
            return streamTime;
        }
    }
}
