package io.riffle.processor.state;

import io.riffle.processor.state.internal.KeyValueStoreBuilder;
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
}
