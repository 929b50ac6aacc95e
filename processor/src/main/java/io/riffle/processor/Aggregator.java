package io.riffle.processor;

/** Adds a record to the aggregate of its key. */
@FunctionalInterface
public interface Aggregator<K, V, VA> {
    VA apply(K key, V value, VA aggregate);
}
