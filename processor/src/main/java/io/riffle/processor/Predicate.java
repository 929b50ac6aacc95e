package io.riffle.processor;

/** Tests a record. */
@FunctionalInterface
public interface Predicate<K, V> {
    boolean test(K key, V value);
}
