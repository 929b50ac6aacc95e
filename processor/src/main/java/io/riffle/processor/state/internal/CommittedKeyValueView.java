package io.riffle.processor.state.internal;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import io.riffle.processor.KeyValue;
import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.ReadOnlyKeyValueStore;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;

/**
 * The committed state of one task's key-value store, for interactive queries from any thread:
 * it reads RocksDB only, which holds exactly the writes that were committed (see
 * {@link CachingKeyValueStore}), never the stream thread's uncommitted buffers. Iterators read in
 * batches of {@value #BATCH} entries, each with a short-lived native iterator, so they see
 * commits that happen while they run and hold nothing native between calls. Thread-safe.
 */
public final class CommittedKeyValueView<K, V> implements ReadOnlyKeyValueStore<K, V> {
    static final int BATCH = 1000;

    private final RocksDBStore store;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private final String topic;

    CommittedKeyValueView(RocksDBStore store, Serde<K> keySerde, Serde<V> valueSerde, String topic) {
        this.store = store;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.topic = topic;
    }

    private Bytes keyBytes(K key) {
        return Bytes.wrap(keySerde.serializer().serialize(topic, key));
    }

    @Override
    public V get(K key) {
        if (key == null) {
            throw new NullPointerException("store " + store.name() + ": null key");
        }
        byte[] value = store.queryGet(keyBytes(key));
        return value == null ? null : valueSerde.deserializer().deserialize(topic, value);
    }

    @Override
    public KeyValueIterator<K, V> range(K from, K to) {
        return new BatchIterator(from == null ? null : keyBytes(from), to == null ? null : keyBytes(to));
    }

    @Override
    public KeyValueIterator<K, V> all() {
        return new BatchIterator(null, null);
    }

    @Override
    public long approximateNumEntries() {
        return store.queryApproximateNumEntries();
    }

    private final class BatchIterator implements KeyValueIterator<K, V> {
        private final Bytes to;
        private Bytes last;
        private boolean first = true;
        private boolean exhausted;
        private Iterator<KeyValue<Bytes, byte[]>> batch = List.<KeyValue<Bytes, byte[]>>of().iterator();

        BatchIterator(Bytes from, Bytes to) {
            this.last = from;
            this.to = to;
        }

        @Override
        public boolean hasNext() {
            if (!batch.hasNext() && !exhausted) {
                List<KeyValue<Bytes, byte[]>> next = store.queryBatch(last, first, to, BATCH);
                first = false;
                exhausted = next.size() < BATCH;
                if (!next.isEmpty()) {
                    last = next.get(next.size() - 1).key();
                }
                batch = next.iterator();
            }
            return batch.hasNext();
        }

        @Override
        public KeyValue<K, V> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            KeyValue<Bytes, byte[]> kv = batch.next();
            return KeyValue.pair(keySerde.deserializer().deserialize(topic, kv.key().get()),
                valueSerde.deserializer().deserialize(topic, kv.value()));
        }

        @Override
        public void close() {
            exhausted = true;
            batch = List.<KeyValue<Bytes, byte[]>>of().iterator();
        }
    }
}
