package io.riffle.processor.state;

import io.riffle.processor.Windowed;

/**
 * A store of one value per (key, window start), kept for a retention period. Time bounds are
 * window starts, inclusive. Windows that fell out of retention (start below the largest start
 * written minus the retention) are invisible and eventually deleted; writes to them are dropped.
 * Iterators must be closed.
 */
public interface WindowStore<K, V> extends StateStore {
    /** Puts (value non-null) or deletes (value null) the window of {@code key} starting at {@code windowStart}. */
    void put(K key, V value, long windowStart);

    /** The value of one window, or null. */
    V fetch(K key, long windowStart);

    /** The windows of one key with {@code timeFrom <= start <= timeTo}, by start; keys of the iterator are starts. */
    KeyValueIterator<Long, V> fetch(K key, long timeFrom, long timeTo);

    /** Windows of keys {@code keyFrom..keyTo} (serialized-byte order, null = unbounded) with start in range. */
    KeyValueIterator<Windowed<K>, V> fetch(K keyFrom, K keyTo, long timeFrom, long timeTo);

    /** Every window with start in range, ordered by key then start. */
    KeyValueIterator<Windowed<K>, V> fetchAll(long timeFrom, long timeTo);

    KeyValueIterator<Windowed<K>, V> all();

    long retentionPeriodMs();
}
