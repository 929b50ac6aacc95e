package io.riffle.processor;

import org.apache.kafka.common.serialization.Serde;

/**
 * How a stream is grouped: the serdes of the repartition topic (if the key changed) and its
 * name ({@code <application.id>-<name>-repartition}; default: derived from the store name).
 */
public record Grouped<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
    public static <K, V> Grouped<K, V> with(Serde<K> keySerde, Serde<V> valueSerde) {
        return new Grouped<>(null, keySerde, valueSerde);
    }

    public static <K, V> Grouped<K, V> as(String name) {
        return new Grouped<>(name, null, null);
    }

    public Grouped<K, V> withName(String newName) {
        return new Grouped<>(newName, keySerde, valueSerde);
    }
}
