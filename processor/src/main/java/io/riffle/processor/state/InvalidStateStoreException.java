package io.riffle.processor.state;

/**
 * An interactive query cannot be answered now: the instance is not RUNNING (rebalancing,
 * stopped, failed), the store is not hosted by this instance, or it was closed while being read
 * (its task moved). Retry after the instance is RUNNING again, re-fetching the store.
 */
public class InvalidStateStoreException extends RuntimeException {
    public InvalidStateStoreException(String message) {
        super(message);
    }
}
