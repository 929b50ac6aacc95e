package io.riffle.processor.state;

/** A key-value state store. A null value is not allowed in {@link #put}; use {@link #delete}. */
public interface KeyValueStore<K, V> extends StateStore, ReadOnlyKeyValueStore<K, V> {
    void put(K key, V value);

    /** Removes the key; returns the previous value or null. */
    V delete(K key);
}
