package io.riffle.processor.state.internal;

import java.util.Arrays;

import io.riffle.processor.Window;
import io.riffle.processor.Windowed;
import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.SessionStore;
import org.apache.kafka.common.serialization.Serde;

/**
 * The built-in session store: logical key {@code key ‖ end ‖ start} (Kafka Streams' session
 * key layout), segmented by session end, so the sessions of a key that end after a given time
 * are one contiguous range. Not thread-safe: owned by the task's stream thread.
 */
public final class TypedSessionStore<K, V> extends SegmentedStateStore<K, V> implements SessionStore<K, V> {
    /** Typed flush listener: each session's new value (null = merged away) once per commit. */
    @FunctionalInterface
    public interface Listener<K, V> {
        void apply(Windowed<K> session, V newValue, long timestamp);
    }

    TypedSessionStore(String name, Serde<K> keySerde, Serde<V> valueSerde, long retentionMs, boolean logged) {
        super(name, keySerde, valueSerde, retentionMs, logged);
    }

    @Override
    long segmentTimestamp(byte[] logicalKey) {
        return longAt(logicalKey, logicalKey.length - 16);
    }

    public void setFlushListener(Listener<K, V> listener) {
        setBytesListener((logical, value, timestamp) -> listener.apply(session(logical), value(value), timestamp));
    }

    private Windowed<K> session(byte[] logical) {
        int n = logical.length - 16;
        return new Windowed<>(deserializeKey(prefix(logical, n)), new Window(longAt(logical, n + 8), longAt(logical, n)));
    }

    private static byte[] logical(byte[] key, long start, long end) {
        return suffixed(key, end, start);
    }

    @Override
    public KeyValueIterator<Windowed<K>, V> findSessions(K key, long earliestSessionEndTime, long latestSessionStartTime) {
        byte[] k = serializeKey(key);
        return scan(logical(k, 0, Math.max(0, earliestSessionEndTime)), logical(k, Long.MAX_VALUE, Long.MAX_VALUE), logical -> {
            int n = logical.length - 16;
            if (n != k.length || !Arrays.equals(k, 0, n, logical, 0, n)
                || longAt(logical, n + 8) > latestSessionStartTime || longAt(logical, n) < earliestSessionEndTime) {
                return null;
            }
            return session(logical);
        });
    }

    @Override
    public V fetchSession(K key, long sessionStart, long sessionEnd) {
        return getLogical(logical(serializeKey(key), sessionStart, sessionEnd));
    }

    @Override
    public KeyValueIterator<Windowed<K>, V> fetch(K key) {
        return findSessions(key, 0, Long.MAX_VALUE);
    }

    @Override
    public KeyValueIterator<Windowed<K>, V> all() {
        return scan(null, null, this::session);
    }

    @Override
    public void put(Windowed<K> session, V aggregate) {
        putLogical(logical(serializeKey(session.key()), session.window().start(), session.window().end()), aggregate);
    }

    @Override
    public void remove(Windowed<K> session) {
        putLogical(logical(serializeKey(session.key()), session.window().start(), session.window().end()), null);
    }
}
