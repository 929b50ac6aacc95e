package io.riffle.processor.state.internal;

import java.util.List;

import io.riffle.processor.KeyValue;
import io.riffle.processor.state.KeyValueIterator;
import org.apache.kafka.common.utils.Bytes;

/**
 * The persistent layer below a {@link CachingKeyValueStore}: bytes to bytes, ordered by unsigned
 * byte order. {@link RocksDBStore} is one database; {@link SegmentedBytesStore} spreads a window
 * or session store over time segments of one database. Not thread-safe: owned by the task's thread.
 */
public interface BytesStore extends AutoCloseable {
    byte[] get(Bytes key);

    /** Applies entries (null value = delete) in one batch. */
    void write(List<KeyValue<byte[], byte[]>> entries);

    /** Entries with from <= key <= to (null = unbounded), in key order. */
    KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to);

    long approximateNumEntries();

    /** Makes what was written durable (memtables to SST files; the WAL is off). */
    void flush();

    boolean isOpen();

    @Override
    void close();
}
