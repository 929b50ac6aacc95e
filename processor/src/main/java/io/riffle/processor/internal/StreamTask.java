package io.riffle.processor.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.riffle.processor.DeserializationExceptionHandler;
import io.riffle.processor.ErrorHandlerContext;
import io.riffle.processor.ProcessingExceptionHandler;
import io.riffle.processor.TimestampExtractor;
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
import io.riffle.processor.state.internal.StateStoreException;
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
    private ErrorPolicy errorPolicy = ErrorPolicy.defaults();
    /** Per input partition, the largest extracted timestamp (for {@link TimestampExtractor}). */
    private final Map<TopicPartition, Long> partitionTimes = new HashMap<>();

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

    /** How failing records are handled and records timestamped (default: Kafka Streams' defaults). */
    public void setErrorPolicy(ErrorPolicy policy) {
        this.errorPolicy = policy;
    }

    /**
     * Processes one input record through the subtopology: deserialize, extract the timestamp,
     * process. A record that fails deserialization or processing goes to the configured handler
     * (and dead-letter topic); one that is skipped — by a handler, the dead-letter topic or a
     * negative extracted timestamp — still counts as consumed, so its offset is committed and it
     * is not read again. Anything else that fails (stores, sinks, the extractor) throws
     * {@link ProcessingException}.
     */
    public void process(ConsumerRecord<byte[], byte[]> record) {
        Node source = sourcesByTopic.get(record.topic());
        if (source == null) {
            throw new IllegalStateException("task " + id + " has no source for topic " + record.topic());
        }
        currentTopic = record.topic();
        currentPartition = record.partition();
        currentOffset = record.offset();
        currentTimestamp = record.timestamp();
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        try {
            Deserialized typed;
            try {
                typed = source.deserialize(record);
            } catch (RuntimeException e) {
                onDeserializationFailure(record, source.def.name(), e);
                consumed(tp, record.offset());
                return;
            }
            long timestamp = errorPolicy.timestampExtractor().extract(new ConsumerRecord<>(record.topic(), record.partition(),
                record.offset(), record.timestamp(), record.timestampType(), record.serializedKeySize(), record.serializedValueSize(),
                typed.key(), typed.value(), record.headers(), record.leaderEpoch()), partitionTimes.getOrDefault(tp, -1L));
            if (timestamp < 0) {
                log.warn("task {}: skipping record {}-{}@{}: negative extracted timestamp {}", id, record.topic(), record.partition(),
                    record.offset(), timestamp);
                consumed(tp, record.offset());
                return;
            }
            partitionTimes.merge(tp, timestamp, Math::max);
            currentTimestamp = timestamp;
            streamTime = Math.max(streamTime, timestamp);
            try {
                source.forward(new Record<>(typed.key(), typed.value(), timestamp, record.headers()));
            } catch (NodeFailure f) {
                onProcessingFailure(record, f);
            }
            consumed(tp, record.offset());
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

    private void consumed(TopicPartition tp, long offset) {
        consumed.put(tp, offset + 1);
        commitNeeded = true;
    }

    private ErrorHandlerContext errorContext(ConsumerRecord<byte[], byte[]> record, String node) {
        return new ErrorHandlerContext(record.topic(), record.partition(), record.offset(), record.headers(), record.timestamp(),
            node, id.toString());
    }

    private void onDeserializationFailure(ConsumerRecord<byte[], byte[]> record, String node, RuntimeException e) {
        DeserializationExceptionHandler.DeserializationHandlerResponse response;
        try {
            response = errorPolicy.deserializationHandler().handle(errorContext(record, node), record, e);
        } catch (RuntimeException handlerFailure) {
            throw new ProcessingException("task " + id + ": the deserialization exception handler failed on record " + record.topic()
                + "-" + record.partition() + "@" + record.offset() + ": " + handlerFailure, handlerFailure);
        }
        if (errorPolicy.deadLetterTopic() != null) {
            sendToDeadLetterTopic(record, e);
        } else if (response != DeserializationExceptionHandler.DeserializationHandlerResponse.CONTINUE) {
            throw new ProcessingException("task " + id + ": cannot deserialize record " + record.topic() + "-" + record.partition()
                + "@" + record.offset() + " (the deserialization exception handler said " + response + "): " + e, e);
        }
    }

    private void onProcessingFailure(ConsumerRecord<byte[], byte[]> record, NodeFailure f) {
        Exception cause = (Exception) f.getCause();
        ProcessingExceptionHandler.ProcessingHandlerResponse response;
        try {
            response = errorPolicy.processingHandler().handle(errorContext(record, f.node), f.record, cause);
        } catch (RuntimeException handlerFailure) {
            throw new ProcessingException("task " + id + ": the processing exception handler failed on record " + record.topic()
                + "-" + record.partition() + "@" + record.offset() + ": " + handlerFailure, handlerFailure);
        }
        if (errorPolicy.deadLetterTopic() != null) {
            sendToDeadLetterTopic(record, cause);
        } else if (response != ProcessingExceptionHandler.ProcessingHandlerResponse.CONTINUE) {
            throw new ProcessingException("task " + id + ": processor " + f.node + " failed on record " + record.topic() + "-"
                + record.partition() + "@" + record.offset() + ": " + cause, cause);
        }
    }

    /** Header names of dead-letter records, as Kafka Streams' (KIP-1034). */
    public static final String DLQ_EXCEPTION = "__streams.errors.exception";
    public static final String DLQ_MESSAGE = "__streams.errors.message";
    public static final String DLQ_STACKTRACE = "__streams.errors.stacktrace";
    public static final String DLQ_TOPIC = "__streams.errors.topic";
    public static final String DLQ_PARTITION = "__streams.errors.partition";
    public static final String DLQ_OFFSET = "__streams.errors.offset";

    /** The input record's raw key and value and its headers, plus headers naming the exception and the input position. */
    private void sendToDeadLetterTopic(ConsumerRecord<byte[], byte[]> record, Exception e) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        java.io.StringWriter trace = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(trace));
        headers.add(DLQ_EXCEPTION, utf8(e.getClass().getName()));
        headers.add(DLQ_MESSAGE, utf8(String.valueOf(e.getMessage())));
        headers.add(DLQ_STACKTRACE, utf8(trace.toString()));
        headers.add(DLQ_TOPIC, utf8(record.topic()));
        headers.add(DLQ_PARTITION, utf8(String.valueOf(record.partition())));
        headers.add(DLQ_OFFSET, utf8(String.valueOf(record.offset())));
        collector.send(errorPolicy.deadLetterTopic(), null, record.key(), record.value(), record.timestamp(), headers);
        log.warn("task {}: record {}-{}@{} sent to dead-letter topic {} ({}); continuing", id, record.topic(), record.partition(),
            record.offset(), errorPolicy.deadLetterTopic(), e.toString());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private record Deserialized(Object key, Object value) {
    }

    /** A processor node threw: carries the node and the record it was given up to the task. */
    private static final class NodeFailure extends RuntimeException {
        final String node;
        final Record<?, ?> record;

        NodeFailure(String node, Record<?, ?> record, RuntimeException cause) {
            super("processor " + node + " failed: " + cause, cause, false, false);
            this.node = node;
            this.record = record;
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

    /** Phase one of a commit: stores log and forward their buffered writes. Returns input offsets. */
    public Map<TopicPartition, OffsetAndMetadata> prepareCommit() {
        try {
            stateManager.prepareCommit();
        } catch (NodeFailure f) {
            // a cache flush forwarded into a failing processor: no input record to skip, so fatal
            throw new ProcessingException("task " + id + ": " + f.getMessage() + " while forwarding cached updates at commit", f.getCause());
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        consumed.forEach((tp, next) -> offsets.put(tp, new OffsetAndMetadata(next)));
        return offsets;
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

        /** A source node's typed key and value. */
        Deserialized deserialize(ConsumerRecord<byte[], byte[]> raw) {
            String topic = raw.topic();
            Object key = raw.key() == null ? null : keySerde.deserializer().deserialize(topic, raw.headers(), raw.key());
            Object value = raw.value() == null ? null : valueSerde.deserializer().deserialize(topic, raw.headers(), raw.value());
            return new Deserialized(key, value);
        }

        void process(Record<Object, Object> record) {
            if (def instanceof SourceDef) {
                forward(record); // records from sources arrive deserialized (see StreamTask.process)
            } else if (def instanceof SinkDef) {
                byte[] key;
                byte[] value;
                try {
                    key = record.key() == null ? null : keySerde.serializer().serialize(sinkTopic, record.headers(), record.key());
                    value = record.value() == null ? null : valueSerde.serializer().serialize(sinkTopic, record.headers(), record.value());
                } catch (RuntimeException e) {
                    // as Kafka Streams' default production handler: fatal, not a processing failure
                    throw new ProcessingException("task " + id + ": sink " + def.name() + " cannot serialize a record for topic "
                        + sinkTopic + ": " + e, e);
                }
                collector.send(sinkTopic, null, key, value, record.timestamp(), record.headers());
            } else {
                try {
                    processor.process(record);
                } catch (NodeFailure | ProcessingException | StateStoreException e) {
                    throw e; // a deeper node's failure, or fatal
                } catch (RuntimeException e) {
                    throw new NodeFailure(def.name(), record, e);
                }
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
