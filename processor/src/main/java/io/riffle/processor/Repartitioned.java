package io.riffle.processor;

import org.apache.kafka.common.serialization.Serde;

/**
 * How {@link KStream#repartition} writes its topic: the name ({@code <application.id>-<name>-repartition};
 * generated if null), the serdes (null = the stream's, else the defaults) and the partition count
 * (null = the count of the sub-topology writing the topic).
 */
public record Repartitioned<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, Integer numberOfPartitions) {
    public Repartitioned {
        if (numberOfPartitions != null && numberOfPartitions < 1) {
            throw new IllegalArgumentException("numberOfPartitions must be at least 1, was " + numberOfPartitions);
        }
    }

    public static <K, V> Repartitioned<K, V> as(String name) {
        return new Repartitioned<>(name, null, null, null);
    }

    public static <K, V> Repartitioned<K, V> with(Serde<K> keySerde, Serde<V> valueSerde) {
        return new Repartitioned<>(null, keySerde, valueSerde, null);
    }

    public static <K, V> Repartitioned<K, V> numberOfPartitions(int partitions) {
        return new Repartitioned<>(null, null, null, partitions);
    }

    public Repartitioned<K, V> withName(String newName) {
        return new Repartitioned<>(newName, keySerde, valueSerde, numberOfPartitions);
    }

    public Repartitioned<K, V> withKeySerde(Serde<K> serde) {
        return new Repartitioned<>(name, serde, valueSerde, numberOfPartitions);
    }

    public Repartitioned<K, V> withValueSerde(Serde<V> serde) {
        return new Repartitioned<>(name, keySerde, serde, numberOfPartitions);
    }

    public Repartitioned<K, V> withNumberOfPartitions(int partitions) {
        return new Repartitioned<>(name, keySerde, valueSerde, partitions);
    }
}
