package io.riffle.processor.state.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.riffle.processor.KeyValue;
import io.riffle.processor.state.KeyValueIterator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RocksDB store, write-back cache (dedup, two-phase flush, merged ranges), checkpoint files. Real RocksDB. */
class CachingKeyValueStoreTest {
    @TempDir
    Path dir;
    private RocksDBResources resources;
    private RocksDBStore rocks;
    private final List<String> changelog = new ArrayList<>();
    private int commitRequests;
    private ThreadCache cache;
    private CachingKeyValueStore store;

    private static Bytes b(String s) {
        return Bytes.wrap(s.getBytes());
    }

    private static String s(byte[] v) {
        return v == null ? null : new String(v);
    }

    @BeforeEach
    void open() {
        resources = new RocksDBResources(4L << 20, 2L << 20);
        rocks = new RocksDBStore("s", dir.resolve("s"), resources);
        cache = new ThreadCache(4096, () -> commitRequests++);
        store = new CachingKeyValueStore("0_0/s", rocks, cache,
            (topic, partition, key, value, ts) -> changelog.add(topic + "/" + partition + ":" + new String(key) + "=" + s(value)), "app-s-changelog", 0);
    }

    @AfterEach
    void close() {
        store.close();
        store.close(); // idempotent
        resources.close();
    }

    @Test
    void rocksDBPutGetRangeDeleteAndClose() {
        rocks.put(b("a"), "1".getBytes());
        rocks.put(b("b"), "2".getBytes());
        rocks.put(b("c"), "3".getBytes());
        rocks.put(b("b"), null);
        assertEquals("1", s(rocks.get(b("a"))));
        assertNull(rocks.get(b("b")));
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = rocks.range(b("a"), b("c"))) {
            it.forEachRemaining(kv -> keys.add(new String(kv.key().get())));
        }
        assertEquals(List.of("a", "c"), keys);
        KeyValueIterator<Bytes, byte[]> leaked = rocks.range(null, null);
        assertTrue(leaked.hasNext());
        assertEquals(2, rocks.approximateNumEntries());
        rocks.close(); // closes the open iterator too
        assertFalse(leaked.hasNext(), "an iterator closed by its store reports no more entries");
        RocksDBStore reopened = new RocksDBStore("s", dir.resolve("s"), resources);
        assertEquals("1", s(reopened.get(b("a"))), "with the WAL off, a clean close flushes the memtables");
        reopened.put(b("x"), "9".getBytes());
        reopened.flush();
        reopened.close();
        rocks = new RocksDBStore("s", dir.resolve("s"), resources);
        assertEquals("9", s(rocks.get(b("x"))), "flushed data survives a reopen");
        store = new CachingKeyValueStore("0_0/s", rocks, cache, null, "t", 0);
    }

    @Test
    void updatesToOneKeyAreDeduplicatedAndReachRocksDBOnlyAfterTheCommit() {
        List<String> forwarded = new ArrayList<>();
        store.setFlushListener((k, v, ts) -> forwarded.add(new String(k.get()) + "=" + s(v) + "@" + ts));
        store.put(b("k"), "1".getBytes(), 10);
        store.put(b("k"), "2".getBytes(), 11);
        store.put(b("k"), "3".getBytes(), 12);
        store.put(b("gone"), "x".getBytes(), 13);
        store.put(b("gone"), null, 14);
        assertEquals("3", s(store.get(b("k"))));
        assertNull(store.get(b("gone")));
        store.prepareCommit();
        assertEquals(List.of("app-s-changelog/0:gone=null", "app-s-changelog/0:k=3"), changelog);
        assertEquals(List.of("gone=null@14", "k=3@12"), forwarded);
        assertNull(rocks.get(b("k")), "not in RocksDB before the commit succeeded");
        assertEquals("3", s(store.get(b("k"))), "pending writes are readable");
        store.flush();
        assertEquals("3", s(rocks.get(b("k"))));
        assertEquals(0, cache.bufferedBytes());
        store.prepareCommit();
        assertEquals(2, changelog.size(), "nothing new to log");
    }

    @Test
    void rangeMergesBufferedWritesOverRocksDB() {
        for (String k : List.of("a", "b", "c", "d")) {
            store.put(b(k), ("old-" + k).getBytes(), 0);
        }
        store.prepareCommit();
        store.flush();
        store.put(b("b"), null, 1);          // dirty tombstone hides a stored key
        store.put(b("c"), "new-c".getBytes(), 1);
        store.put(b("bb"), "new-bb".getBytes(), 1);
        store.prepareCommit();               // now pending
        store.put(b("a"), "newer-a".getBytes(), 2); // dirty
        List<String> seen = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.range(null, b("c"))) {
            it.forEachRemaining(kv -> seen.add(new String(kv.key().get()) + "=" + s(kv.value())));
        }
        assertEquals(List.of("a=newer-a", "bb=new-bb", "c=new-c"), seen);
        assertThrows(java.util.NoSuchElementException.class, () -> {
            try (KeyValueIterator<Bytes, byte[]> it = store.range(b("z"), null)) {
                it.next();
            }
        });
    }

    @Test
    void fullWriteBuffersAskForACommitInsteadOfEvicting() {
        for (int i = 0; i < 100 && commitRequests == 0; i++) {
            store.put(b("key-" + i), new byte[64], i);
        }
        assertTrue(commitRequests > 0);
        assertTrue(store.hasBufferedWrites());
        assertNull(rocks.get(b("key-0")));
        store.prepareCommit();
        store.flush();
        assertArrayEquals(new byte[64], rocks.get(b("key-0")));
    }

    @Test
    void checkpointFileRoundTripsAndIsReplacedAtomically() {
        OffsetCheckpoint cp = new OffsetCheckpoint(dir.resolve("task").resolve(".checkpoint"));
        assertEquals(Map.of(), cp.read());
        cp.write(Map.of(new TopicPartition("app-s-changelog", 3), 42L));
        cp.write(Map.of(new TopicPartition("app-s-changelog", 3), 43L, new TopicPartition("app-t-changelog", 3), 7L));
        assertEquals(Map.of(new TopicPartition("app-s-changelog", 3), 43L, new TopicPartition("app-t-changelog", 3), 7L), cp.read());
        assertFalse(dir.resolve("task").resolve(".checkpoint.tmp").toFile().exists());
    }

    @Test
    void aTaskWithoutACheckpointWipesItsLocalState() {
        Path taskDir = dir.resolve("1_0");
        RocksDBStore old = new RocksDBStore("s", taskDir.resolve("rocksdb").resolve("s"), resources);
        old.put(b("stale"), "1".getBytes());
        old.flush();
        old.close();
        new TaskStateManager("1_0", taskDir);
        assertFalse(taskDir.resolve("rocksdb").toFile().exists());
        List<KeyValue<byte[], byte[]>> none = List.of();
        assertTrue(none.isEmpty());
    }
}
