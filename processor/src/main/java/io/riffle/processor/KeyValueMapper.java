package io.riffle.processor;

/** Maps a key and value to a result (a new key, a KeyValue, or an Iterable of them). */
@FunctionalInterface
public interface KeyValueMapper<K, V, R> {
    R apply(K key, V value);
}
