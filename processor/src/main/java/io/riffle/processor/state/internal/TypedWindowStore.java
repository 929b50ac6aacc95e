package io.riffle.processor.state.internal;

import java.util.Arrays;

import io.riffle.processor.Window;
import io.riffle.processor.Windowed;
import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.WindowStore;
import org.apache.kafka.common.serialization.Serde;

/**
 * The built-in window store: logical key {@code key ‖ windowStart} (8 bytes big-endian), so the
 * windows of one key are contiguous and ordered by start, segmented by window start. Not
 * thread-safe: owned by the task's stream thread.
 */
public final class TypedWindowStore<K, V> extends SegmentedStateStore<K, V> implements WindowStore<K, V> {
    /** Typed flush listener: each window's new value once per commit. */
    @FunctionalInterface
    public interface Listener<K, V> {
        void apply(Windowed<K> window, V newValue, long timestamp);
    }

    private final long windowSizeMs;

    TypedWindowStore(String name, Serde<K> keySerde, Serde<V> valueSerde, long retentionMs, long windowSizeMs, boolean logged) {
        super(name, keySerde, valueSerde, retentionMs, logged);
        this.windowSizeMs = windowSizeMs;
    }

    @Override
    long segmentTimestamp(byte[] logicalKey) {
        return longAt(logicalKey, logicalKey.length - 8);
    }

    public long windowSizeMs() {
        return windowSizeMs;
    }

    public void setFlushListener(Listener<K, V> listener) {
        setBytesListener((logical, value, timestamp) -> listener.apply(windowed(logical), value(value), timestamp));
    }

    private Windowed<K> windowed(byte[] logical) {
        long start = longAt(logical, logical.length - 8);
        return new Windowed<>(deserializeKey(prefix(logical, logical.length - 8)), new Window(start, start + windowSizeMs));
    }

    @Override
    public void put(K key, V value, long windowStart) {
        putLogical(suffixed(serializeKey(key), windowStart), value);
    }

    @Override
    public V fetch(K key, long windowStart) {
        return getLogical(suffixed(serializeKey(key), windowStart));
    }

    @Override
    public KeyValueIterator<Long, V> fetch(K key, long timeFrom, long timeTo) {
        byte[] k = serializeKey(key);
        return scan(suffixed(k, Math.max(0, timeFrom)), suffixed(k, timeTo), logical ->
            logical.length == k.length + 8 && Arrays.equals(k, 0, k.length, logical, 0, k.length)
                ? longAt(logical, k.length) : null);
    }

    @Override
    public KeyValueIterator<Windowed<K>, V> fetch(K keyFrom, K keyTo, long timeFrom, long timeTo) {
        byte[] from = keyFrom == null ? null : serializeKey(keyFrom);
        byte[] to = keyTo == null ? null : serializeKey(keyTo);
        return scan(from == null ? null : suffixed(from, 0), to == null ? null : suffixed(to, Long.MAX_VALUE), logical -> {
            int n = logical.length - 8;
            long start = longAt(logical, n);
            if (start < timeFrom || start > timeTo
                || (from != null && Arrays.compareUnsigned(logical, 0, n, from, 0, from.length) < 0)
                || (to != null && Arrays.compareUnsigned(logical, 0, n, to, 0, to.length) > 0)) {
                return null;
            }
            return windowed(logical);
        });
    }

    @Override
    public KeyValueIterator<Windowed<K>, V> fetchAll(long timeFrom, long timeTo) {
        return fetch(null, null, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<K>, V> all() {
        return fetch(null, null, Long.MIN_VALUE, Long.MAX_VALUE);
    }
}
