package io.riffle.processor.api;

/** Handle of a scheduled punctuation. */
@FunctionalInterface
public interface Cancellable {
    void cancel();
}
