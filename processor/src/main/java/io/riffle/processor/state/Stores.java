package io.riffle.processor.state;

import java.time.Duration;

import io.riffle.processor.state.internal.KeyValueStoreBuilder;
import io.riffle.processor.state.internal.TypedSessionStore;
import io.riffle.processor.state.internal.TypedWindowStore;
import io.riffle.processor.state.internal.WindowStoreBuilder;
import org.apache.kafka.common.serialization.Serde;

/** Factory for the built-in stores. */
public final class Stores {
    private Stores() {
    }

    /**
     * A RocksDB key-value store behind a write-back record cache, logged to a compacted
     * changelog topic. Call {@code withLoggingDisabled()} for a store that is rebuilt from
     * nothing (its contents are then lost with the local disk).
     */
    public static <K, V> KeyValueStoreBuilder<K, V> persistentKeyValueStore(String name, Serde<K> keySerde, Serde<V> valueSerde) {
        return new KeyValueStoreBuilder<>(name, keySerde, valueSerde);
    }

    /**
     * A RocksDB window store (one value per key and window start), time-segmented, behind the
     * write-back cache, logged to a {@code compact,delete} changelog with retention + 1 day.
     * Windows older than {@code retention} (relative to the largest window start written) expire.
     */
    public static <K, V> WindowStoreBuilder<K, V, TypedWindowStore<K, V>> persistentWindowStore(
            String name, Duration retention, Duration windowSize, Serde<K> keySerde, Serde<V> valueSerde) {
        return WindowStoreBuilder.window(name, keySerde, valueSerde, retention.toMillis(), windowSize.toMillis());
    }

    /** A RocksDB session store; sessions expire once their end is older than {@code retention}. */
    public static <K, V> WindowStoreBuilder<K, V, TypedSessionStore<K, V>> persistentSessionStore(
            String name, Duration retention, Serde<K> keySerde, Serde<V> valueSerde) {
        return WindowStoreBuilder.session(name, keySerde, valueSerde, retention.toMillis());
    }
}
