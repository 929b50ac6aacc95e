package io.riffle.processor;

import org.apache.kafka.common.serialization.Serde;

/** How records are written to a topic: their serdes (null = the stream's known serdes, else the defaults). */
public record Produced<K, V>(Serde<K> keySerde, Serde<V> valueSerde) {
    public static <K, V> Produced<K, V> with(Serde<K> keySerde, Serde<V> valueSerde) {
        return new Produced<>(keySerde, valueSerde);
    }
}
