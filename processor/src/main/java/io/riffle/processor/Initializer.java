package io.riffle.processor;

/** The aggregate of a key before its first record. */
@FunctionalInterface
public interface Initializer<VA> {
    VA apply();
}
