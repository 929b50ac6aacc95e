package io.riffle.processor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.riffle.processor.api.Record;
import io.riffle.processor.internal.InternalTopology;
import io.riffle.processor.internal.RecordCollector;
import io.riffle.processor.internal.StreamTask;
import io.riffle.processor.internal.TaskId;
import io.riffle.processor.state.KeyValueStore;
import io.riffle.processor.state.StateStore;
import io.riffle.processor.state.internal.RocksDBResources;
import io.riffle.processor.state.internal.StateStoreException;
import io.riffle.processor.state.internal.ThreadCache;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Runs a topology without a broker, for unit tests: pipe records into input topics, read what
 * the topology wrote to output topics, inspect its stores. Every topic has one partition, so
 * there is one task per subtopology; records written to repartition topics are processed at
 * once by the downstream subtopology. Stores are real (RocksDB in a temporary directory,
 * deleted on {@link #close()}). After each input record the driver commits, so the record cache
 * flushes and aggregations emit one update per input record.
 *
 * <p>Not thread-safe. Wall-clock punctuation follows {@link #advanceWallClockTime}, not the clock.
 */
public final class TopologyTestDriver implements AutoCloseable {
    private final String applicationId;
    private final Path stateDir;
    private final RocksDBResources rocksDB = new RocksDBResources(8L << 20, 4L << 20);
    private final Map<String, StreamTask> taskByTopic = new HashMap<>();
    private final List<StreamTask> tasks = new ArrayList<>();
    private final Map<String, Deque<ConsumerRecord<byte[], byte[]>>> outputs = new LinkedHashMap<>();
    private final Deque<ConsumerRecord<byte[], byte[]>> internalQueue = new ArrayDeque<>();
    private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
    private final Map<String, Long> committedOffsets = new HashMap<>();
    private long wallClockMs;
    private boolean closed;

    public TopologyTestDriver(Topology topology) {
        this(topology, new Properties());
    }

    /** {@code props} as for {@link RiffleStreams}; {@code application.id} and {@code bootstrap.servers} are optional here. */
    public TopologyTestDriver(Topology topology, Properties props) {
        Properties p = new Properties();
        p.putAll(props);
        p.putIfAbsent(StreamsConfig.APPLICATION_ID, "test-driver");
        p.putIfAbsent(StreamsConfig.BOOTSTRAP_SERVERS, "unused:9092");
        StreamsConfig config = new StreamsConfig(p);
        this.applicationId = config.applicationId();
        this.wallClockMs = System.currentTimeMillis();
        try {
            this.stateDir = Files.createTempDirectory("riffle-test-driver-");
        } catch (IOException e) {
            throw new StateStoreException("cannot create a state directory: " + e.getMessage(), e);
        }
        RecordCollector collector = new Collector();
        ThreadCache cache = new ThreadCache(config.cacheMaxBytes(), () -> { });
        InternalTopology internal = topology.internal();
        for (InternalTopology.Subtopology sub : internal.subtopologies()) {
            TaskId id = new TaskId(sub.id(), 0);
            StreamTask task = new StreamTask(id, sub, internal, applicationId, stateDir.resolve(id.toString()), collector, cache,
                rocksDB, config.defaultKeySerde(), config.defaultValueSerde());
            task.setWallClock(() -> wallClockMs);
            task.setErrorPolicy(RiffleStreams.errorPolicy(config));
            task.initializeProcessors();
            tasks.add(task);
            for (String topic : task.sourceTopics()) {
                taskByTopic.put(topic, task);
            }
        }
    }

    /** A topic to pipe records into. */
    public <K, V> InputTopic<K, V> createInputTopic(String topic, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        if (!taskByTopic.containsKey(topic)) {
            throw new IllegalArgumentException("the topology reads no topic named '" + topic + "'; it reads " + taskByTopic.keySet());
        }
        return new InputTopic<>(topic, keySerializer, valueSerializer);
    }

    /**
     * The offset the driver last committed for an input (or repartition) topic: the next record
     * to read; null if none was committed. Records skipped by an exception handler count as consumed.
     */
    public Long committedOffset(String topic) {
        return committedOffsets.get(topic);
    }

    /** A topic to read what the topology wrote. */
    public <K, V> OutputTopic<K, V> createOutputTopic(String topic, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
        return new OutputTopic<>(topic, keyDeserializer, valueDeserializer);
    }

    /** A key-value store of the topology (its state after the last committed input). */
    @SuppressWarnings("unchecked")
    public <K, V> KeyValueStore<K, V> getKeyValueStore(String name) {
        for (StreamTask task : tasks) {
            StateStore store = task.store(name);
            if (store != null) {
                return (KeyValueStore<K, V>) store;
            }
        }
        throw new IllegalArgumentException("no store named '" + name + "'");
    }

    /** A window store of the topology (its state after the last committed input). */
    @SuppressWarnings("unchecked")
    public <K, V> io.riffle.processor.state.WindowStore<K, V> getWindowStore(String name) {
        return (io.riffle.processor.state.WindowStore<K, V>) storeOfType(name, io.riffle.processor.state.WindowStore.class);
    }

    /** A session store of the topology (its state after the last committed input). */
    @SuppressWarnings("unchecked")
    public <K, V> io.riffle.processor.state.SessionStore<K, V> getSessionStore(String name) {
        return (io.riffle.processor.state.SessionStore<K, V>) storeOfType(name, io.riffle.processor.state.SessionStore.class);
    }

    private StateStore storeOfType(String name, Class<?> type) {
        for (StreamTask task : tasks) {
            StateStore store = task.store(name);
            if (store != null) {
                if (!type.isInstance(store)) {
                    throw new IllegalArgumentException("store '" + name + "' is a " + store.getClass().getSimpleName() + ", not a " + type.getSimpleName());
                }
                return store;
            }
        }
        throw new IllegalArgumentException("no store named '" + name + "'");
    }

    /** Advances the driver's wall clock and runs due wall-clock punctuations. */
    public void advanceWallClockTime(Duration advance) {
        wallClockMs += advance.toMillis();
        for (StreamTask task : tasks) {
            task.punctuateWallClock(wallClockMs);
        }
        commit();
    }

    private void pipe(String topic, byte[] key, byte[] value, long timestamp, Headers headers) {
        TopicPartition tp = new TopicPartition(topic, 0);
        long offset = nextOffsets.merge(tp, 1L, Long::sum) - 1;
        taskByTopic.get(topic).process(new ConsumerRecord<>(topic, 0, offset, timestamp, TimestampType.CREATE_TIME,
            key == null ? -1 : key.length, value == null ? -1 : value.length, key, value, headers, java.util.Optional.empty()));
        commit();
    }

    private void commit() {
        do {
            while (!internalQueue.isEmpty()) {
                ConsumerRecord<byte[], byte[]> r = internalQueue.poll();
                taskByTopic.get(r.topic()).process(r);
            }
            for (StreamTask task : tasks) {
                task.prepareCommit().forEach((tp, o) -> committedOffsets.put(tp.topic(), o.offset()));
            }
        } while (!internalQueue.isEmpty());
        for (StreamTask task : tasks) {
            task.postCommit(nextOffsets, false);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (StreamTask task : tasks) {
            task.closeDirty();
        }
        rocksDB.close();
        try (var walk = Files.walk(stateDir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new StateStoreException("cannot delete " + stateDir + ": " + e.getMessage(), e);
        }
    }

    private final class Collector implements RecordCollector {
        @Override
        public void send(String topic, Integer partition, byte[] key, byte[] value, long timestamp, Headers headers) {
            TopicPartition tp = new TopicPartition(topic, 0);
            long offset = nextOffsets.merge(tp, 1L, Long::sum) - 1;
            ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>(topic, 0, offset, timestamp, TimestampType.CREATE_TIME,
                key == null ? -1 : key.length, value == null ? -1 : value.length, key, value,
                new RecordHeaders(headers.toArray()), java.util.Optional.empty());
            if (taskByTopic.containsKey(topic)) {
                internalQueue.add(r);
            }
            outputs.computeIfAbsent(topic, t -> new ArrayDeque<>()).add(r);
        }

        @Override
        public Map<TopicPartition, Long> acknowledgedOffsets() {
            return nextOffsets;
        }
    }

    /** An input topic of the driver. */
    public final class InputTopic<K, V> {
        private final String topic;
        private final Serializer<K> keySerializer;
        private final Serializer<V> valueSerializer;
        private long nextTimestamp = 0;

        private InputTopic(String topic, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
            this.topic = topic;
            this.keySerializer = keySerializer;
            this.valueSerializer = valueSerializer;
        }

        /** Pipes a record with a timestamp one millisecond after the previous one (starting at 0). */
        public void pipeInput(K key, V value) {
            pipeInput(key, value, nextTimestamp);
        }

        public void pipeInput(V value) {
            pipeInput(null, value);
        }

        public void pipeInput(K key, V value, long timestamp) {
            Headers headers = new RecordHeaders();
            nextTimestamp = timestamp + 1;
            pipe(topic, key == null ? null : keySerializer.serialize(topic, headers, key),
                value == null ? null : valueSerializer.serialize(topic, headers, value), timestamp, headers);
        }
    }

    /** An output topic of the driver; reading consumes. */
    public final class OutputTopic<K, V> {
        private final String topic;
        private final Deserializer<K> keyDeserializer;
        private final Deserializer<V> valueDeserializer;

        private OutputTopic(String topic, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
            this.topic = topic;
            this.keyDeserializer = keyDeserializer;
            this.valueDeserializer = valueDeserializer;
        }

        public boolean isEmpty() {
            Deque<ConsumerRecord<byte[], byte[]>> q = outputs.get(topic);
            return q == null || q.isEmpty();
        }

        /** The next record; fails if there is none. */
        public Record<K, V> readRecord() {
            Deque<ConsumerRecord<byte[], byte[]>> q = outputs.get(topic);
            if (q == null || q.isEmpty()) {
                throw new java.util.NoSuchElementException("no more records in topic " + topic);
            }
            ConsumerRecord<byte[], byte[]> r = q.poll();
            return new Record<>(r.key() == null ? null : keyDeserializer.deserialize(topic, r.key()),
                r.value() == null ? null : valueDeserializer.deserialize(topic, r.value()), r.timestamp(), r.headers());
        }

        public KeyValue<K, V> readKeyValue() {
            Record<K, V> r = readRecord();
            return KeyValue.pair(r.key(), r.value());
        }

        public List<KeyValue<K, V>> readKeyValuesToList() {
            List<KeyValue<K, V>> result = new ArrayList<>();
            while (!isEmpty()) {
                result.add(readKeyValue());
            }
            return result;
        }

        /** The latest value per key of everything not yet read (a table's final state). */
        public Map<K, V> readKeyValuesToMap() {
            Map<K, V> result = new LinkedHashMap<>();
            for (KeyValue<K, V> kv : readKeyValuesToList()) {
                result.put(kv.key(), kv.value());
            }
            return result;
        }
    }
}
