package io.riffle.processor.internal;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import java.util.function.Supplier;

import io.riffle.processor.KeyValue;
import io.riffle.processor.state.InvalidStateStoreException;
import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.ReadOnlyKeyValueStore;

/**
 * One store as seen by an interactive query: the committed views of every local task's instance
 * of it, fetched afresh on each call (tasks come and go with rebalances). {@code get} asks each
 * task's store (keys are partitioned, so at most one has it); {@code range} and {@code all}
 * return the tasks' entries one task after another, each task's in key-byte order. The supplier
 * throws {@link InvalidStateStoreException} when the instance is not RUNNING. Thread-safe.
 */
public final class CompositeReadOnlyKeyValueStore<K, V> implements ReadOnlyKeyValueStore<K, V> {
    private final String storeName;
    private final Supplier<List<ReadOnlyKeyValueStore<K, V>>> views;

    public CompositeReadOnlyKeyValueStore(String storeName, Supplier<List<ReadOnlyKeyValueStore<K, V>>> views) {
        this.storeName = storeName;
        this.views = views;
    }

    @Override
    public V get(K key) {
        for (ReadOnlyKeyValueStore<K, V> view : views.get()) {
            V value = view.get(key);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    @Override
    public KeyValueIterator<K, V> range(K from, K to) {
        return concat(v -> v.range(from, to));
    }

    @Override
    public KeyValueIterator<K, V> all() {
        return concat(ReadOnlyKeyValueStore::all);
    }

    @Override
    public long approximateNumEntries() {
        long total = 0;
        for (ReadOnlyKeyValueStore<K, V> view : views.get()) {
            total += view.approximateNumEntries();
            if (total < 0) {
                return Long.MAX_VALUE;
            }
        }
        return total;
    }

    private KeyValueIterator<K, V> concat(Function<ReadOnlyKeyValueStore<K, V>, KeyValueIterator<K, V>> open) {
        List<ReadOnlyKeyValueStore<K, V>> stores = views.get();
        return new KeyValueIterator<>() {
            private int index;
            private KeyValueIterator<K, V> current;

            @Override
            public boolean hasNext() {
                while (current == null || !current.hasNext()) {
                    if (current != null) {
                        current.close();
                    }
                    if (index >= stores.size()) {
                        current = null;
                        return false;
                    }
                    current = open.apply(stores.get(index++));
                }
                return true;
            }

            @Override
            public KeyValue<K, V> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("store " + storeName + ": no more entries");
                }
                return current.next();
            }

            @Override
            public void close() {
                if (current != null) {
                    current.close();
                }
                index = stores.size();
            }
        };
    }
}
