package io.riffle.processor.state.internal;

import io.riffle.processor.state.KeyValueStore;
import io.riffle.processor.state.StoreBuilder;
import org.apache.kafka.common.serialization.Serde;

/** Builds {@link TypedKeyValueStore}s. Serdes left null take the application's defaults. */
public final class KeyValueStoreBuilder<K, V> implements StoreBuilder<KeyValueStore<K, V>> {
    private final String name;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private boolean logging = true;

    public KeyValueStoreBuilder(String name, Serde<K> keySerde, Serde<V> valueSerde) {
        if (name == null || name.isEmpty() || !name.matches("[a-zA-Z0-9._-]+")) {
            throw new IllegalArgumentException("store name '" + name + "' must match [a-zA-Z0-9._-]+ (it names a topic)");
        }
        this.name = name;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    public KeyValueStoreBuilder<K, V> withLoggingDisabled() {
        logging = false;
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean loggingEnabled() {
        return logging;
    }

    @Override
    public KeyValueStore<K, V> build() {
        return new TypedKeyValueStore<>(name, keySerde, valueSerde, logging);
    }
}
