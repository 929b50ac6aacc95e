package io.riffle.processor;

/**
 * Joins a value of the left side with a value of the right side into a result value. In a left
 * or outer join the missing side is passed as null.
 */
@FunctionalInterface
public interface ValueJoiner<V1, V2, R> {
    R apply(V1 value1, V2 value2);
}
