package io.riffle.processor.state.internal;

import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The operations a task's {@link TaskStateManager} needs from a persistent store it registered. */
public interface RestorableStore {
    /** Applies changelog records straight to local state (null value = delete). */
    void restoreBatch(List<ConsumerRecord<byte[], byte[]>> records);

    /** Deletes local state and reopens empty (the changelog no longer matches it). */
    void wipe();

    /** Makes what RocksDB holds durable, before a checkpoint names it. */
    void flushToDisk();

    /** Phase one of a commit (see {@link CachingKeyValueStore}). */
    void prepareCommit();

    /**
     * Whether writes arrived since the last {@link #prepareCommit()}: a store can receive writes
     * while another store of the task forwards its flushed updates (table → join → table).
     */
    default boolean hasUnpreparedWrites() {
        return false;
    }
}
