package io.riffle.processor.state.internal;

import io.riffle.processor.state.StateStoreContext;
import org.apache.kafka.common.serialization.Serde;

/**
 * What the built-in stores need from the task that owns them. Implemented by the runtime and by
 * the test driver. Used only from the task's thread.
 */
public interface InternalStoreContext extends StateStoreContext {
    /** Called by a store's {@code init}: the task checkpoints it and restores it from its changelog if logged. */
    void register(String storeName, boolean logged, RestorableStore store);

    ChangelogSender changelogSender();

    /** {@code <application.id>-<store>-changelog}. */
    String changelogTopic(String storeName);

    /** The partition of the changelog this task writes: the task's partition. */
    int changelogPartition();

    ThreadCache threadCache();

    RocksDBResources rocksDBResources();

    /** Timestamp of the record being processed (or stream time inside a punctuation). */
    long recordTimestamp();

    Serde<?> defaultKeySerde();

    Serde<?> defaultValueSerde();
}
