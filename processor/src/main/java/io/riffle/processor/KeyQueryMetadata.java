package io.riffle.processor;

/**
 * Where a key of a store lives: the instance that owns the key's partition ({@code activeHost},
 * its {@code application.server}) and the partition. {@link #NOT_AVAILABLE} while the instance
 * is not running or the owner is unknown (rebalancing, or it set no {@code application.server}).
 */
public record KeyQueryMetadata(HostInfo activeHost, int partition) {
    public static final KeyQueryMetadata NOT_AVAILABLE = new KeyQueryMetadata(null, -1);

    public boolean available() {
        return activeHost != null;
    }
}
