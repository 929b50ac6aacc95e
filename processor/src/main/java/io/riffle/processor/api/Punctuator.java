package io.riffle.processor.api;

/** A scheduled callback; {@code timestamp} is the stream time or wall-clock time that triggered it. */
@FunctionalInterface
public interface Punctuator {
    void punctuate(long timestamp);
}
