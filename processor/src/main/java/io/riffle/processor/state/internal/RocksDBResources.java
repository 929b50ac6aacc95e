package io.riffle.processor.state.internal;

import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * The RocksDB memory shared by every store of one {@code RiffleStreams} instance: one LRU block
 * cache and one write buffer manager that charges memtables to that cache, so the native memory
 * of all stores of all tasks is bounded by {@link #BLOCK_CACHE_BYTES} (plus iterator pins),
 * however many tasks the instance runs. Thread-safe (RocksDB's cache is); closed by the
 * instance after every store.
 */
public final class RocksDBResources implements AutoCloseable {
    /** Kafka Streams' default is a 50 MB block cache per instance; we bound everything by it. */
    public static final long BLOCK_CACHE_BYTES = 64L << 20;
    /** Memtables are charged to the block cache up to this many bytes. */
    public static final long WRITE_BUFFER_BYTES = 32L << 20;

    static {
        RocksDB.loadLibrary();
    }

    private final LRUCache cache;
    private final WriteBufferManager writeBufferManager;
    private boolean closed;

    public RocksDBResources() {
        this(BLOCK_CACHE_BYTES, WRITE_BUFFER_BYTES);
    }

    public RocksDBResources(long cacheBytes, long writeBufferBytes) {
        // high-priority pool for index and filter blocks (pinned through cacheIndexAndFilterBlocksWithHighPriority)
        this.cache = new LRUCache(cacheBytes, -1, false, 0.1);
        this.writeBufferManager = new WriteBufferManager(writeBufferBytes, cache);
    }

    Cache cache() {
        return cache;
    }

    WriteBufferManager writeBufferManager() {
        return writeBufferManager;
    }

    /** Bytes the shared cache holds now (blocks and charged memtables). */
    public long usage() {
        return cache.getUsage();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        writeBufferManager.close();
        cache.close();
    }
}
