package io.riffle.processor;

/** Combines the aggregates of two sessions that a record bridges. */
@FunctionalInterface
public interface Merger<K, V> {
    V apply(K key, V aggregate1, V aggregate2);
}
