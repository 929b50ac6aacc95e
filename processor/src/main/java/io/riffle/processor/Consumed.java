package io.riffle.processor;

import org.apache.kafka.common.serialization.Serde;

/** How a source topic is read: its serdes (null = {@code default.key.serde}/{@code default.value.serde}). */
public record Consumed<K, V>(Serde<K> keySerde, Serde<V> valueSerde) {
    public static <K, V> Consumed<K, V> with(Serde<K> keySerde, Serde<V> valueSerde) {
        return new Consumed<>(keySerde, valueSerde);
    }
}
