package io.riffle.processor.state.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.apache.kafka.common.utils.Bytes;

/**
 * The record cache of one stream thread, shared by every store of every task the thread owns
 * (Kafka Streams' {@code ThreadCache}). Its budget is {@code statestore.cache.max.bytes} divided
 * by the thread count, split in two halves:
 * <ul>
 *   <li>write buffers: the stores' dirty entries (one per key) waiting for the next commit. When
 *       they pass their half, the cache asks the thread to commit early rather than evicting
 *       them, because under exactly-once nothing uncommitted may reach RocksDB (see
 *       {@link CachingKeyValueStore});</li>
 *   <li>a Caffeine cache of clean entries (read or already committed), bounded by weight.</li>
 * </ul>
 * Not thread-safe: owned by one stream thread. (Caffeine's maintenance runs on the caller.)
 */
public final class ThreadCache {
    /** A cached value, or a known absence ({@code value == null}). */
    record Entry(byte[] value) {
    }

    record Key(String namespace, Bytes key) {
    }

    private static final int ENTRY_OVERHEAD = 64;

    private final long writeBufferBudget;
    private final Cache<Key, Entry> clean;
    private final Runnable commitRequest;
    private long bufferedBytes;

    /** {@code commitRequest} is called (on this thread) when the write buffers are full. */
    public ThreadCache(long maxBytes, Runnable commitRequest) {
        this.writeBufferBudget = Math.max(1, maxBytes / 2);
        this.commitRequest = commitRequest;
        this.clean = Caffeine.newBuilder()
            .maximumWeight(Math.max(0, maxBytes / 2))
            .weigher((Key k, Entry e) -> weight(k.key(), e.value()))
            .executor(Runnable::run)
            .build();
    }

    static int weight(Bytes key, byte[] value) {
        return key.get().length + (value == null ? 0 : value.length) + ENTRY_OVERHEAD;
    }

    Entry getClean(String namespace, Bytes key) {
        return clean.getIfPresent(new Key(namespace, key));
    }

    void putClean(String namespace, Bytes key, byte[] value) {
        clean.put(new Key(namespace, key), new Entry(value));
    }

    void invalidateClean(String namespace, Bytes key) {
        clean.invalidate(new Key(namespace, key));
    }

    /** Drops every clean entry of a store (its task closed). */
    void invalidateAll(String namespace) {
        clean.asMap().keySet().removeIf(k -> k.namespace().equals(namespace));
    }

    void addBuffered(long delta) {
        bufferedBytes += delta;
        if (bufferedBytes > writeBufferBudget) {
            commitRequest.run();
        }
    }

    public long bufferedBytes() {
        return bufferedBytes;
    }

    public long cleanEntries() {
        clean.cleanUp();
        return clean.estimatedSize();
    }
}
