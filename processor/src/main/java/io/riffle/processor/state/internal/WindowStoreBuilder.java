package io.riffle.processor.state.internal;

import java.util.Map;

import io.riffle.processor.state.StateStore;
import io.riffle.processor.state.StoreBuilder;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;

/**
 * Builds window stores ({@code windowSizeMs > 0}) or session stores ({@code windowSizeMs = -1}).
 * Their changelogs are {@code compact,delete} with {@code retention.ms} = store retention + 1 day,
 * as in Kafka Streams: old windows age out of the topic as they age out of the store.
 */
public final class WindowStoreBuilder<K, V, S extends StateStore> implements StoreBuilder<S> {
    static final long CHANGELOG_EXTRA_RETENTION_MS = 24 * 60 * 60 * 1000L;
    private final String name;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private final long retentionMs;
    private final long windowSizeMs;
    private boolean logging = true;

    private WindowStoreBuilder(String name, Serde<K> keySerde, Serde<V> valueSerde, long retentionMs, long windowSizeMs) {
        if (name == null || name.isEmpty() || !name.matches("[a-zA-Z0-9._-]+")) {
            throw new IllegalArgumentException("store name '" + name + "' must match [a-zA-Z0-9._-]+ (it names a topic)");
        }
        if (retentionMs <= 0) {
            throw new IllegalArgumentException("store " + name + ": retention must be positive, was " + retentionMs + " ms");
        }
        this.name = name;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.retentionMs = retentionMs;
        this.windowSizeMs = windowSizeMs;
    }

    public static <K, V> WindowStoreBuilder<K, V, TypedWindowStore<K, V>> window(String name, Serde<K> keySerde, Serde<V> valueSerde,
                                                                                 long retentionMs, long windowSizeMs) {
        if (windowSizeMs <= 0 || windowSizeMs > retentionMs) {
            throw new IllegalArgumentException("store " + name + ": window size " + windowSizeMs
                + " ms must be positive and not larger than the retention " + retentionMs + " ms");
        }
        return new WindowStoreBuilder<>(name, keySerde, valueSerde, retentionMs, windowSizeMs);
    }

    public static <K, V> WindowStoreBuilder<K, V, TypedSessionStore<K, V>> session(String name, Serde<K> keySerde, Serde<V> valueSerde,
                                                                                   long retentionMs) {
        return new WindowStoreBuilder<>(name, keySerde, valueSerde, retentionMs, -1);
    }

    public WindowStoreBuilder<K, V, S> withLoggingDisabled() {
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
    public Map<String, String> changelogConfig() {
        return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
            TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs + CHANGELOG_EXTRA_RETENTION_MS));
    }

    @Override
    @SuppressWarnings("unchecked")
    public S build() {
        return (S) (windowSizeMs > 0
            ? new TypedWindowStore<>(name, keySerde, valueSerde, retentionMs, windowSizeMs, logging)
            : new TypedSessionStore<>(name, keySerde, valueSerde, retentionMs, logging));
    }
}
