package io.riffle.processor.state.internal;

/** A store failed (native or I/O error); the message names the store and the task. */
public class StateStoreException extends RuntimeException {
    public StateStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StateStoreException(String message) {
        super(message);
    }
}
