package io.riffle.processor.state.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

import io.riffle.processor.KeyValue;
import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.StateStore;
import io.riffle.processor.state.StateStoreContext;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;

/**
 * What window and session stores share: serdes over a {@link CachingKeyValueStore} (the same
 * write-back cache, two-phase commit and changelog as key-value stores) over a
 * {@link SegmentedBytesStore} in {@code <task dir>/rocksdb/<name>}. Changelog keys are the
 * logical keys ({@code key ‖ start} or {@code key ‖ end ‖ start}), Kafka Streams' format.
 * Subclasses define the logical key layout. Not thread-safe: owned by the task's stream thread.
 */
abstract class SegmentedStateStore<K, V> implements StateStore, RestorableStore {
    /** Receives each window's new value (null = deleted) once per commit; used by the DSL. */
    @FunctionalInterface
    interface BytesListener {
        void apply(byte[] logicalKey, byte[] newValue, long timestamp);
    }

    private final String name;
    private final boolean logged;
    private final long retentionMs;
    protected Serde<K> keySerde;
    protected Serde<V> valueSerde;
    protected String topic;
    private InternalStoreContext context;
    private CachingKeyValueStore cached;
    private SegmentedBytesStore segmented;
    private CachingKeyValueStore.FlushListener listener;

    SegmentedStateStore(String name, Serde<K> keySerde, Serde<V> valueSerde, long retentionMs, boolean logged) {
        this.name = name;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.retentionMs = retentionMs;
        this.logged = logged;
    }

    /** The timestamp that places a logical key in a segment (window start, session end). */
    abstract long segmentTimestamp(byte[] logicalKey);

    @Override
    public String name() {
        return name;
    }

    public long retentionPeriodMs() {
        return retentionMs;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void init(StateStoreContext storeContext) {
        if (!(storeContext instanceof InternalStoreContext internal)) {
            throw new IllegalStateException("store " + name + " needs Riffle's runtime context");
        }
        this.context = internal;
        if (keySerde == null) {
            keySerde = (Serde<K>) internal.defaultKeySerde();
        }
        if (valueSerde == null) {
            valueSerde = (Serde<V>) internal.defaultValueSerde();
        }
        topic = internal.changelogTopic(name);
        open();
        internal.register(name, logged, this);
    }

    private void open() {
        RocksDBStore rocks = new RocksDBStore(name, context.taskDirectory().resolve("rocksdb").resolve(name), context.rocksDBResources());
        segmented = new SegmentedBytesStore(rocks, retentionMs, this::segmentTimestamp);
        cached = new CachingKeyValueStore(context.taskId() + "/" + name, segmented, context.threadCache(),
            logged ? context.changelogSender() : null, topic, context.changelogPartition());
        cached.setFlushListener(listener);
    }

    void setBytesListener(BytesListener bytesListener) {
        listener = (key, value, timestamp) -> bytesListener.apply(key.get(), value, timestamp);
        cached.setFlushListener(listener);
    }

    /** Windows with a segment timestamp below this are expired. */
    long minLiveTime() {
        return segmented.minLiveTime();
    }

    /** Largest segment timestamp written so far. */
    public long observedStreamTime() {
        return segmented.observedStreamTime();
    }

    byte[] serializeKey(K key) {
        if (key == null) {
            throw new NullPointerException("store " + name + ": null key");
        }
        return keySerde.serializer().serialize(topic, key);
    }

    K deserializeKey(byte[] bytes) {
        return keySerde.deserializer().deserialize(topic, bytes);
    }

    V value(byte[] bytes) {
        return bytes == null ? null : valueSerde.deserializer().deserialize(topic, bytes);
    }

    /** Returns false (and writes nothing) if the window has expired. Value null = delete. */
    boolean putLogical(byte[] logical, V value) {
        long ts = segmentTimestamp(logical);
        segmented.observe(ts);
        if (ts < segmented.minLiveTime()) {
            return false;
        }
        cached.put(Bytes.wrap(logical), value == null ? null : valueSerde.serializer().serialize(topic, value), context.recordTimestamp());
        return true;
    }

    V getLogical(byte[] logical) {
        if (segmentTimestamp(logical) < segmented.minLiveTime()) {
            return null;
        }
        return value(cached.get(Bytes.wrap(logical)));
    }

    /** Live entries in {@code [from, to]} (logical keys, null = unbounded) that {@code mapper} accepts (non-null result). */
    <R> KeyValueIterator<R, V> scan(byte[] from, byte[] to, Function<byte[], R> mapper) {
        KeyValueIterator<Bytes, byte[]> inner = cached.range(from == null ? null : Bytes.wrap(from), to == null ? null : Bytes.wrap(to));
        long minLive = segmented.minLiveTime();
        return new KeyValueIterator<>() {
            private KeyValue<R, V> next;

            @Override
            public boolean hasNext() {
                while (next == null && inner.hasNext()) {
                    KeyValue<Bytes, byte[]> kv = inner.next();
                    byte[] logical = kv.key().get();
                    if (segmentTimestamp(logical) < minLive) {
                        continue;
                    }
                    R mapped = mapper.apply(logical);
                    if (mapped != null) {
                        next = KeyValue.pair(mapped, value(kv.value()));
                    }
                }
                return next != null;
            }

            @Override
            public KeyValue<R, V> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                KeyValue<R, V> result = next;
                next = null;
                return result;
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }

    static byte[] suffixed(byte[] key, long... suffixes) {
        ByteBuffer b = ByteBuffer.allocate(key.length + 8 * suffixes.length).put(key);
        for (long s : suffixes) {
            b.putLong(s);
        }
        return b.array();
    }

    static long longAt(byte[] bytes, int offset) {
        return ByteBuffer.wrap(bytes, offset, 8).getLong();
    }

    static byte[] prefix(byte[] bytes, int length) {
        return Arrays.copyOf(bytes, length);
    }

    @Override
    public void prepareCommit() {
        cached.prepareCommit();
    }

    /** After a commit: committed writes go to RocksDB, then expired segments are deleted. */
    @Override
    public void flush() {
        cached.flush();
        segmented.expire();
    }

    @Override
    public void flushToDisk() {
        segmented.flush();
    }

    @Override
    public void restoreBatch(List<ConsumerRecord<byte[], byte[]>> records) {
        List<KeyValue<byte[], byte[]>> entries = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            entries.add(KeyValue.pair(r.key(), r.value()));
        }
        segmented.write(entries);
        segmented.expire();
    }

    @Override
    public void wipe() {
        cached.close();
        RocksDBStore.destroy(context.taskDirectory().resolve("rocksdb").resolve(name));
        open();
    }

    @Override
    public boolean isOpen() {
        return cached != null && segmented.isOpen();
    }

    @Override
    public void close() {
        if (cached != null) {
            cached.close();
        }
    }

    public long approximateNumEntries() {
        return cached.approximateNumEntries();
    }
}
