package io.riffle.processor;

import org.apache.kafka.common.serialization.Serde;

/**
 * How an aggregation's table is stored: the store name (also names its changelog,
 * {@code <application.id>-<name>-changelog}), serdes, whether the record cache suppresses
 * intermediate updates downstream (default yes: one update per key per commit), and whether
 * the store is logged (default yes).
 */
public final class Materialized<K, V> {
    private final String storeName;
    private Serde<K> keySerde;
    private Serde<V> valueSerde;
    private boolean cachingEnabled = true;
    private boolean loggingEnabled = true;
    private java.time.Duration retention;

    private Materialized(String storeName) {
        this.storeName = storeName;
    }

    public static <K, V> Materialized<K, V> as(String storeName) {
        return new Materialized<>(storeName);
    }

    public static <K, V> Materialized<K, V> with(Serde<K> keySerde, Serde<V> valueSerde) {
        return new Materialized<K, V>(null).withKeySerde(keySerde).withValueSerde(valueSerde);
    }

    public Materialized<K, V> withKeySerde(Serde<K> serde) {
        this.keySerde = serde;
        return this;
    }

    public Materialized<K, V> withValueSerde(Serde<V> serde) {
        this.valueSerde = serde;
        return this;
    }

    /** Forward every update downstream at once instead of one per key per commit. */
    public Materialized<K, V> withCachingDisabled() {
        this.cachingEnabled = false;
        return this;
    }

    /** No changelog: the table is lost with the local disk. */
    public Materialized<K, V> withLoggingDisabled() {
        this.loggingEnabled = false;
        return this;
    }

    /**
     * How long a windowed aggregation keeps windows (relative to the newest window): at least
     * window size + grace; default the larger of that and one day, as in Kafka Streams.
     */
    public Materialized<K, V> withRetention(java.time.Duration retention) {
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("retention must be positive, was " + retention);
        }
        this.retention = retention;
        return this;
    }

    java.time.Duration retention() {
        return retention;
    }

    String storeName() {
        return storeName;
    }

    Serde<K> keySerde() {
        return keySerde;
    }

    Serde<V> valueSerde() {
        return valueSerde;
    }

    boolean cachingEnabled() {
        return cachingEnabled;
    }

    boolean loggingEnabled() {
        return loggingEnabled;
    }
}
