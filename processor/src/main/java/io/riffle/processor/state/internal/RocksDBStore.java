package io.riffle.processor.state.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

import io.riffle.processor.KeyValue;
import io.riffle.processor.state.InvalidStateStoreException;
import io.riffle.processor.state.KeyValueIterator;
import org.apache.kafka.common.utils.Bytes;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A RocksDB database holding one store of one task, keys and values as bytes.
 *
 * <p>The write-ahead log is off: the changelog topic is the source of truth, and a crash loses
 * only what was not yet flushed, which restoration replays. Memory comes from the instance's
 * shared {@link RocksDBResources}. Every native object this class creates is closed in
 * {@link #close()}, in reverse order of creation; open iterators are closed first.
 *
 * <p>Not thread-safe: owned by the stream thread of the task, except the {@code query*} methods,
 * which interactive queries call from any thread. They read under a read lock that
 * {@link #close()} takes exclusively, so a query never touches a closed native handle; RocksDB
 * itself allows reads concurrent with the owner's writes.
 */
public final class RocksDBStore implements BytesStore {
    private final String name;
    private final Path directory;
    private final BloomFilter filter;
    private final Options options;
    private final WriteOptions writeOptions;
    private final FlushOptions flushOptions;
    private final RocksDB db;
    private final Set<RangeIterator> openIterators = new HashSet<>();
    private boolean open;
    private final java.util.concurrent.locks.ReentrantReadWriteLock queryLock = new java.util.concurrent.locks.ReentrantReadWriteLock();

    /** Opens (creating if missing) the database in {@code directory}. */
    public RocksDBStore(String name, Path directory, RocksDBResources resources) {
        this.name = name;
        this.directory = directory;
        BloomFilter f = null;
        Options o = null;
        WriteOptions w = null;
        FlushOptions fo = null;
        try {
            Files.createDirectories(directory);
            f = new BloomFilter(10);
            BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(resources.cache())
                .setBlockSize(4096)
                .setFilterPolicy(f)
                .setCacheIndexAndFilterBlocks(true)
                .setCacheIndexAndFilterBlocksWithHighPriority(true)
                .setPinTopLevelIndexAndFilter(true);
            o = new Options()
                .setCreateIfMissing(true)
                .setTableFormatConfig(table)
                .setWriteBufferManager(resources.writeBufferManager())
                .setWriteBufferSize(16L << 20)
                .setMaxWriteBufferNumber(3)
                .setCompressionType(CompressionType.NO_COMPRESSION)
                .setOptimizeFiltersForHits(true)
                .setInfoLogLevel(org.rocksdb.InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(2);
            w = new WriteOptions().setDisableWAL(true);
            fo = new FlushOptions().setWaitForFlush(true);
            this.db = RocksDB.open(o, directory.toString());
        } catch (RocksDBException | IOException e) {
            closeQuietly(fo, w, o, f);
            throw new StateStoreException("store " + name + ": cannot open RocksDB in " + directory + ": " + e.getMessage(), e);
        }
        this.filter = f;
        this.options = o;
        this.writeOptions = w;
        this.flushOptions = fo;
        this.open = true;
    }

    public String name() {
        return name;
    }

    @Override
    public byte[] get(Bytes key) {
        try {
            return db.get(key.get());
        } catch (RocksDBException e) {
            throw failure("get", e);
        }
    }

    public void put(Bytes key, byte[] value) {
        try {
            if (value == null) {
                db.delete(writeOptions, key.get());
            } else {
                db.put(writeOptions, key.get(), value);
            }
        } catch (RocksDBException e) {
            throw failure("put", e);
        }
    }

    /** Applies changelog records (null value = delete) in one batch. */
    @Override
    public void write(List<KeyValue<byte[], byte[]>> entries) {
        try (WriteBatch batch = new WriteBatch()) {
            for (KeyValue<byte[], byte[]> e : entries) {
                if (e.value() == null) {
                    batch.delete(e.key());
                } else {
                    batch.put(e.key(), e.value());
                }
            }
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw failure("write batch", e);
        }
    }

    /**
     * Deletes every key in {@code [from, to)} with one range tombstone (cheap whatever the number
     * of keys; compaction reclaims the space). Used to drop expired segments of window stores.
     */
    public void deleteRange(byte[] from, byte[] to) {
        try {
            db.deleteRange(writeOptions, from, to);
        } catch (RocksDBException e) {
            throw failure("delete range", e);
        }
    }

    /** The first key at or after {@code key}, or null. */
    public byte[] firstKeyAtOrAfter(byte[] key) {
        try (RocksIterator it = db.newIterator()) {
            it.seek(key);
            return it.isValid() ? it.key() : null;
        }
    }

    /** The largest key, or null if the store is empty. */
    public byte[] lastKey() {
        try (RocksIterator it = db.newIterator()) {
            it.seekToLast();
            return it.isValid() ? it.key() : null;
        }
    }

    /** Entries with from <= key <= to (null = unbounded), in byte order. Closed with the store at the latest. */
    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        if (!open) {
            throw new StateStoreException("store " + name + " is closed");
        }
        RangeIterator it = new RangeIterator(db.newIterator(), to);
        openIterators.add(it);
        if (from == null) {
            it.native_.seekToFirst();
        } else {
            it.native_.seek(from.get());
        }
        return it;
    }

    /** Wraps a native iterator; once closed (by its user or by the store) it reports no more entries. */
    private final class RangeIterator implements KeyValueIterator<Bytes, byte[]> {
        private final RocksIterator native_;
        private final Bytes to;
        private boolean closed;

        RangeIterator(RocksIterator iterator, Bytes to) {
            this.native_ = iterator;
            this.to = to;
        }

        @Override
        public boolean hasNext() {
            if (closed || !native_.isValid()) {
                return false;
            }
            return to == null || Bytes.BYTES_LEXICO_COMPARATOR.compare(native_.key(), to.get()) <= 0;
        }

        @Override
        public KeyValue<Bytes, byte[]> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            KeyValue<Bytes, byte[]> kv = KeyValue.pair(Bytes.wrap(native_.key()), native_.value());
            native_.next();
            return kv;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                openIterators.remove(this);
                native_.close();
            }
        }
    }

    /** From any thread: the committed value, or null. Throws {@link InvalidStateStoreException} once closed. */
    public byte[] queryGet(Bytes key) {
        queryLock.readLock().lock();
        try {
            checkQueryable();
            return get(key);
        } finally {
            queryLock.readLock().unlock();
        }
    }

    /**
     * From any thread: up to {@code max} entries with {@code from < key <= to} (or
     * {@code from <= key} when {@code inclusive}); null bounds are open. Each call reads with its
     * own short-lived native iterator, so nothing native outlives the call.
     */
    public List<KeyValue<Bytes, byte[]>> queryBatch(Bytes from, boolean inclusive, Bytes to, int max) {
        queryLock.readLock().lock();
        try {
            checkQueryable();
            List<KeyValue<Bytes, byte[]>> result = new ArrayList<>();
            try (RocksIterator it = db.newIterator()) {
                if (from == null) {
                    it.seekToFirst();
                } else {
                    it.seek(from.get());
                    if (!inclusive && it.isValid() && Bytes.BYTES_LEXICO_COMPARATOR.compare(it.key(), from.get()) == 0) {
                        it.next();
                    }
                }
                while (it.isValid() && result.size() < max
                    && (to == null || Bytes.BYTES_LEXICO_COMPARATOR.compare(it.key(), to.get()) <= 0)) {
                    result.add(KeyValue.pair(Bytes.wrap(it.key()), it.value()));
                    it.next();
                }
            }
            return result;
        } finally {
            queryLock.readLock().unlock();
        }
    }

    /** From any thread: RocksDB's estimate of the number of keys. */
    public long queryApproximateNumEntries() {
        queryLock.readLock().lock();
        try {
            checkQueryable();
            return approximateNumEntries();
        } finally {
            queryLock.readLock().unlock();
        }
    }

    private void checkQueryable() {
        if (!open) {
            throw new InvalidStateStoreException("store " + name + " was closed (its task moved or the instance is rebalancing "
                + "or stopping); get the store again from RiffleStreams.store(...) once the instance is RUNNING");
        }
    }

    @Override
    public long approximateNumEntries() {
        try {
            return db.getLongProperty("rocksdb.estimate-num-keys");
        } catch (RocksDBException e) {
            throw failure("estimate-num-keys", e);
        }
    }

    /** Writes memtables to SST files, so what was put survives a crash (the WAL is off). */
    @Override
    public void flush() {
        try {
            db.flush(flushOptions);
        } catch (RocksDBException e) {
            throw failure("flush", e);
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /**
     * Closes iterators, the database (which, the WAL being off, flushes its memtables), then its
     * options. Idempotent.
     */
    @Override
    public void close() {
        queryLock.writeLock().lock();
        try {
            if (!open) {
                return;
            }
            open = false;
        } finally {
            queryLock.writeLock().unlock();
        }
        for (RangeIterator it : new ArrayList<>(openIterators)) {
            it.close();
        }
        openIterators.clear();
        db.close();
        closeQuietly(flushOptions, writeOptions, options, filter);
    }

    /** Deletes a closed store's directory. */
    public static void destroy(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (var walk = Files.walk(directory)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new StateStoreException("cannot delete " + directory + ": " + e.getMessage(), e);
        }
    }

    private StateStoreException failure(String op, RocksDBException e) {
        return new StateStoreException("store " + name + " (" + directory + "): " + op + " failed: " + e.getMessage(), e);
    }

    private static void closeQuietly(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r != null) {
                try {
                    r.close();
                } catch (Exception ignored) {
                    // native close does not throw in practice; nothing to recover
                }
            }
        }
    }
}
