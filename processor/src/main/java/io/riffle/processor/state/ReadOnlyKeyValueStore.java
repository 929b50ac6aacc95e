package io.riffle.processor.state;

/** Reads of a key-value store. Keys are ordered by their serialized bytes (unsigned). */
public interface ReadOnlyKeyValueStore<K, V> {
    /** The value, or null if absent. */
    V get(K key);

    /**
     * Entries with {@code from <= key <= to} in serialized-byte order; either bound may be null
     * for unbounded. The caller must close the iterator.
     */
    KeyValueIterator<K, V> range(K from, K to);

    /** Every entry, in serialized-byte order. The caller must close the iterator. */
    KeyValueIterator<K, V> all();

    /** An estimate (RocksDB's {@code rocksdb.estimate-num-keys} plus buffered writes). */
    long approximateNumEntries();
}
