package io.riffle.processor.state.internal;

import java.util.ArrayList;
import java.util.List;

import io.riffle.processor.KeyValue;
import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.KeyValueStore;
import io.riffle.processor.state.StateStoreContext;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;

/**
 * The built-in key-value store as processors see it: serdes over a
 * {@link CachingKeyValueStore} (write-back cache + changelog) over a {@link RocksDBStore} in
 * {@code <task dir>/rocksdb/<name>}. Not thread-safe: owned by the task's stream thread.
 */
public final class TypedKeyValueStore<K, V> implements KeyValueStore<K, V>, RestorableStore {
    /** Typed flush listener, used by the DSL to forward one update per key per commit. */
    @FunctionalInterface
    public interface Listener<K, V> {
        void apply(K key, V newValue, long timestamp);
    }

    private final String name;
    private final boolean logged;
    private Serde<K> keySerde;
    private Serde<V> valueSerde;
    private InternalStoreContext context;
    private CachingKeyValueStore cached;
    private String topic;

    TypedKeyValueStore(String name, Serde<K> keySerde, Serde<V> valueSerde, boolean logged) {
        this.name = name;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.logged = logged;
    }

    @Override
    public String name() {
        return name;
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
        CachingKeyValueStore.FlushListener listener = cached == null ? null : currentListener;
        cached = new CachingKeyValueStore(context.taskId() + "/" + name, rocks, context.threadCache(),
            logged ? context.changelogSender() : null, topic, context.changelogPartition());
        cached.setFlushListener(listener);
    }

    private CachingKeyValueStore.FlushListener currentListener;

    /** Called (by the DSL) with every update once per commit instead of on every put. */
    public void setFlushListener(Listener<K, V> listener) {
        currentListener = (key, value, timestamp) -> listener.apply(
            keySerde.deserializer().deserialize(topic, key.get()),
            value == null ? null : valueSerde.deserializer().deserialize(topic, value),
            timestamp);
        cached.setFlushListener(currentListener);
    }

    private Bytes keyBytes(K key) {
        if (key == null) {
            throw new NullPointerException("store " + name + ": null key");
        }
        return Bytes.wrap(keySerde.serializer().serialize(topic, key));
    }

    private V value(byte[] bytes) {
        return bytes == null ? null : valueSerde.deserializer().deserialize(topic, bytes);
    }

    @Override
    public V get(K key) {
        return value(cached.get(keyBytes(key)));
    }

    @Override
    public void put(K key, V value) {
        if (value == null) {
            throw new NullPointerException("store " + name + ": null value; use delete(key)");
        }
        cached.put(keyBytes(key), valueSerde.serializer().serialize(topic, value), context.recordTimestamp());
    }

    @Override
    public V delete(K key) {
        Bytes k = keyBytes(key);
        V old = value(cached.get(k));
        cached.put(k, null, context.recordTimestamp());
        return old;
    }

    @Override
    public KeyValueIterator<K, V> range(K from, K to) {
        return typed(cached.range(from == null ? null : keyBytes(from), to == null ? null : keyBytes(to)));
    }

    @Override
    public KeyValueIterator<K, V> all() {
        return typed(cached.range(null, null));
    }

    private KeyValueIterator<K, V> typed(KeyValueIterator<Bytes, byte[]> inner) {
        return new KeyValueIterator<>() {
            @Override
            public boolean hasNext() {
                return inner.hasNext();
            }

            @Override
            public KeyValue<K, V> next() {
                KeyValue<Bytes, byte[]> kv = inner.next();
                return KeyValue.pair(keySerde.deserializer().deserialize(topic, kv.key().get()), value(kv.value()));
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }

    /**
     * A thread-safe view of this store's committed state for interactive queries, valid until
     * the store closes (then its reads throw {@code InvalidStateStoreException}).
     */
    public CommittedKeyValueView<K, V> committedView() {
        if (!(cached.rocksDB() instanceof RocksDBStore rocksDB)) {
            throw new IllegalStateException("store " + name() + " is not backed by a key-value RocksDB store");
        }
        return new CommittedKeyValueView<>(rocksDB, keySerde, valueSerde, topic);
    }

    @Override
    public long approximateNumEntries() {
        return cached.approximateNumEntries();
    }

    @Override
    public void prepareCommit() {
        cached.prepareCommit();
    }

    @Override
    public boolean hasUnpreparedWrites() {
        return cached.hasDirtyWrites();
    }

    @Override
    public void flush() {
        cached.flush();
    }

    @Override
    public void flushToDisk() {
        cached.rocksDB().flush();
    }

    @Override
    public void restoreBatch(List<ConsumerRecord<byte[], byte[]>> records) {
        List<KeyValue<byte[], byte[]>> entries = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            entries.add(KeyValue.pair(r.key(), r.value()));
        }
        cached.rocksDB().write(entries);
    }

    @Override
    public void wipe() {
        cached.close();
        RocksDBStore.destroy(context.taskDirectory().resolve("rocksdb").resolve(name));
        open();
    }

    @Override
    public boolean isOpen() {
        return cached != null && cached.rocksDB().isOpen();
    }

    @Override
    public void close() {
        if (cached != null) {
            cached.close();
        }
    }
}
