package io.riffle.processor;

/** A side effect per record. */
@FunctionalInterface
public interface ForeachAction<K, V> {
    void apply(K key, V value);
}
