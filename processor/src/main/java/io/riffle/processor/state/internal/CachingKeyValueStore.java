package io.riffle.processor.state.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeMap;

import io.riffle.processor.KeyValue;
import io.riffle.processor.state.KeyValueIterator;
import org.apache.kafka.common.utils.Bytes;

/**
 * The write-back record cache in front of one {@link BytesStore} (RocksDB), and the store's changelog.
 *
 * <h2>Design</h2>
 * Writes go to a per-store buffer of dirty entries, one per key (later writes to a key replace
 * earlier ones, so a commit sends one changelog record and one downstream update per key).
 * A commit is two phases, driven by the task:
 * <ol>
 *   <li>{@link #prepareCommit()} — before the producer commits: each dirty entry is sent to the
 *       changelog and handed to the flush listener (the DSL forwards it downstream), and moves to
 *       the <em>pending</em> buffer;</li>
 *   <li>{@link #flush()} — after the commit succeeded (offsets committed, or the transaction
 *       committed): pending entries are written to RocksDB in one batch and become clean
 *       entries of the thread's Caffeine cache.</li>
 * </ol>
 * So RocksDB only ever holds committed data. With the WAL off, what is on disk after a crash is
 * the state at the last checkpoint plus some subset of writes committed after it; replaying the
 * changelog from the checkpoint offset (read_committed) overwrites every such key with its last
 * committed value. That is why, unlike Kafka Streams, an exactly-once crash does not force a
 * wipe of local state. The price is that uncommitted writes must fit in memory: when the
 * buffers of a thread pass their budget, the thread commits early ({@link ThreadCache}).
 *
 * <p>Reads see dirty, then pending, then clean (Caffeine), then RocksDB. Not thread-safe: owned by
 * the stream thread of the task.
 */
public final class CachingKeyValueStore implements AutoCloseable {
    /** Receives each entry once per commit, in key order, before it is logged. Value null = delete. */
    @FunctionalInterface
    public interface FlushListener {
        void apply(Bytes key, byte[] newValue, long timestamp);
    }

    private record Buffered(byte[] value, long timestamp) {
        long weight(Bytes key) {
            return ThreadCache.weight(key, value);
        }
    }

    private final String namespace;
    private final BytesStore store;
    private final ThreadCache cache;
    private final ChangelogSender changelog;
    private final String changelogTopic;
    private final int changelogPartition;
    private TreeMap<Bytes, Buffered> dirty = new TreeMap<>();
    private final TreeMap<Bytes, Buffered> pending = new TreeMap<>();
    private FlushListener listener;

    /** {@code changelog} null = not logged. */
    public CachingKeyValueStore(String namespace, BytesStore store, ThreadCache cache,
                                ChangelogSender changelog, String changelogTopic, int changelogPartition) {
        this.namespace = namespace;
        this.store = store;
        this.cache = cache;
        this.changelog = changelog;
        this.changelogTopic = changelogTopic;
        this.changelogPartition = changelogPartition;
    }

    public void setFlushListener(FlushListener listener) {
        this.listener = listener;
    }

    /** The persistent layer below (RocksDB, possibly segmented). */
    public BytesStore rocksDB() {
        return store;
    }

    public byte[] get(Bytes key) {
        Buffered b = dirty.get(key);
        if (b == null) {
            b = pending.get(key);
        }
        if (b != null) {
            return b.value();
        }
        ThreadCache.Entry e = cache.getClean(namespace, key);
        if (e != null) {
            return e.value();
        }
        byte[] value = store.get(key);
        cache.putClean(namespace, key, value);
        return value;
    }

    /** value null = delete. */
    public void put(Bytes key, byte[] value, long timestamp) {
        Buffered now = new Buffered(value, timestamp);
        Buffered before = dirty.put(key, now);
        cache.invalidateClean(namespace, key);
        cache.addBuffered(now.weight(key) - (before == null ? 0 : before.weight(key)));
    }

    /** Phase one of a commit: log and announce every dirty entry; they become pending. */
    public void prepareCommit() {
        if (dirty.isEmpty()) {
            return;
        }
        TreeMap<Bytes, Buffered> batch = dirty;
        dirty = new TreeMap<>();
        for (Map.Entry<Bytes, Buffered> e : batch.entrySet()) {
            if (changelog != null) {
                changelog.send(changelogTopic, changelogPartition, e.getKey().get(), e.getValue().value(), e.getValue().timestamp());
            }
            Buffered replaced = pending.put(e.getKey(), e.getValue());
            if (replaced != null) {
                cache.addBuffered(-replaced.weight(e.getKey()));
            }
        }
        if (listener != null) {
            for (Map.Entry<Bytes, Buffered> e : batch.entrySet()) {
                listener.apply(e.getKey(), e.getValue().value(), e.getValue().timestamp());
            }
        }
    }

    /** Phase two: the commit succeeded; write pending entries to RocksDB. */
    public void flush() {
        if (pending.isEmpty()) {
            return;
        }
        List<KeyValue<byte[], byte[]>> batch = new ArrayList<>(pending.size());
        long bytes = 0;
        for (Map.Entry<Bytes, Buffered> e : pending.entrySet()) {
            batch.add(KeyValue.pair(e.getKey().get(), e.getValue().value()));
            bytes += e.getValue().weight(e.getKey());
        }
        store.write(batch);
        for (Map.Entry<Bytes, Buffered> e : pending.entrySet()) {
            if (!dirty.containsKey(e.getKey())) {
                cache.putClean(namespace, e.getKey(), e.getValue().value());
            }
        }
        pending.clear();
        cache.addBuffered(-bytes);
    }

    /** Writes not yet through {@link #prepareCommit()}. */
    public boolean hasDirtyWrites() {
        return !dirty.isEmpty();
    }

    public boolean hasBufferedWrites() {
        return !dirty.isEmpty() || !pending.isEmpty();
    }

    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        NavigableMap<Bytes, Buffered> overlay = new TreeMap<>(slice(pending, from, to));
        overlay.putAll(slice(dirty, from, to));
        return new MergedIterator(overlay.entrySet().iterator(), store.range(from, to));
    }

    private static NavigableMap<Bytes, Buffered> slice(TreeMap<Bytes, Buffered> map, Bytes from, Bytes to) {
        if (from == null && to == null) {
            return map;
        }
        if (from == null) {
            return map.headMap(to, true);
        }
        if (to == null) {
            return map.tailMap(from, true);
        }
        return from.compareTo(to) > 0 ? new TreeMap<>() : map.subMap(from, true, to, true);
    }

    public long approximateNumEntries() {
        return store.approximateNumEntries() + dirty.size() + pending.size();
    }

    /** Drops buffered writes (the task commits before a clean close) and closes RocksDB. */
    @Override
    public void close() {
        long bytes = 0;
        for (Map.Entry<Bytes, Buffered> e : dirty.entrySet()) {
            bytes += e.getValue().weight(e.getKey());
        }
        for (Map.Entry<Bytes, Buffered> e : pending.entrySet()) {
            bytes += e.getValue().weight(e.getKey());
        }
        dirty.clear();
        pending.clear();
        cache.addBuffered(-bytes);
        cache.invalidateAll(namespace);
        store.close();
    }

    /** Buffered entries (tombstones hide the key) merged with RocksDB's, in key order. */
    private static final class MergedIterator implements KeyValueIterator<Bytes, byte[]> {
        private final Iterator<Map.Entry<Bytes, Buffered>> buffered;
        private final KeyValueIterator<Bytes, byte[]> stored;
        private Map.Entry<Bytes, Buffered> nextBuffered;
        private KeyValue<Bytes, byte[]> nextStored;
        private KeyValue<Bytes, byte[]> next;

        MergedIterator(Iterator<Map.Entry<Bytes, Buffered>> buffered, KeyValueIterator<Bytes, byte[]> stored) {
            this.buffered = buffered;
            this.stored = stored;
            this.nextBuffered = buffered.hasNext() ? buffered.next() : null;
            this.nextStored = stored.hasNext() ? stored.next() : null;
        }

        @Override
        public boolean hasNext() {
            while (next == null && (nextBuffered != null || nextStored != null)) {
                int cmp = nextBuffered == null ? 1 : nextStored == null ? -1 : nextBuffered.getKey().compareTo(nextStored.key());
                if (cmp <= 0) {
                    if (nextBuffered.getValue().value() != null) {
                        next = KeyValue.pair(nextBuffered.getKey(), nextBuffered.getValue().value());
                    }
                    nextBuffered = buffered.hasNext() ? buffered.next() : null;
                    if (cmp == 0) {
                        nextStored = stored.hasNext() ? stored.next() : null;
                    }
                } else {
                    next = nextStored;
                    nextStored = stored.hasNext() ? stored.next() : null;
                }
            }
            return next != null;
        }

        @Override
        public KeyValue<Bytes, byte[]> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            KeyValue<Bytes, byte[]> result = next;
            next = null;
            return result;
        }

        @Override
        public void close() {
            stored.close();
        }
    }
}
