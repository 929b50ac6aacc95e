package io.riffle.processor;

/** Maps a value to a new value (or an Iterable of them). */
@FunctionalInterface
public interface ValueMapper<V, R> {
    R apply(V value);
}
