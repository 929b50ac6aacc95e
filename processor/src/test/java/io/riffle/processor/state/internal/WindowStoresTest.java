package io.riffle.processor.state.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.riffle.processor.KeyValue;
import io.riffle.processor.Window;
import io.riffle.processor.Windowed;
import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.Stores;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Window and session stores on real RocksDB: fetch ranges, segment expiry, restoration from the changelog. */
class WindowStoresTest {
    private static final Serde<String> S = Serdes.String();
    private static final long MIN = 60_000;
    @TempDir
    Path dir;
    private RocksDBResources resources;
    private final List<ConsumerRecord<byte[], byte[]>> changelog = new ArrayList<>();
    private final List<AutoCloseable> opened = new ArrayList<>();

    /** A task context of one store, logging into {@link #changelog}. */
    private final class Context implements InternalStoreContext {
        private final Path taskDir;
        private final ThreadCache cache = new ThreadCache(1 << 20, () -> { });
        RestorableStore registered;

        Context(String task) {
            this.taskDir = dir.resolve(task);
        }

        @Override
        public void register(String storeName, boolean logged, RestorableStore store) {
            registered = store;
        }

        @Override
        public ChangelogSender changelogSender() {
            return (topic, partition, key, value, ts) ->
                changelog.add(new ConsumerRecord<>(topic, partition, changelog.size(), key, value));
        }

        @Override
        public String changelogTopic(String storeName) {
            return "app-" + storeName + "-changelog";
        }

        @Override
        public int changelogPartition() {
            return 0;
        }

        @Override
        public ThreadCache threadCache() {
            return cache;
        }

        @Override
        public RocksDBResources rocksDBResources() {
            return resources;
        }

        @Override
        public long recordTimestamp() {
            return 0;
        }

        @Override
        public org.apache.kafka.common.serialization.Serde<?> defaultKeySerde() {
            return S;
        }

        @Override
        public org.apache.kafka.common.serialization.Serde<?> defaultValueSerde() {
            return S;
        }

        @Override
        public String applicationId() {
            return "app";
        }

        @Override
        public String taskId() {
            return "0_0";
        }

        @Override
        public Path taskDirectory() {
            return taskDir;
        }
    }

    @BeforeEach
    void open() {
        resources = new RocksDBResources(4L << 20, 2L << 20);
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        resources.close();
    }

    private TypedWindowStore<String, String> windowStore(String task, Duration retention) {
        TypedWindowStore<String, String> store = Stores.persistentWindowStore("w", retention, Duration.ofMinutes(1), S, S).build();
        store.init(new Context(task));
        opened.add(store);
        return store;
    }

    private static void commit(SegmentedStateStore<?, ?> store) {
        store.prepareCommit();
        store.flush();
    }

    private static List<String> starts(KeyValueIterator<Long, String> it) {
        List<String> out = new ArrayList<>();
        try (it) {
            it.forEachRemaining(kv -> out.add(kv.key() / MIN + "=" + kv.value()));
        }
        return out;
    }

    private static List<String> windows(KeyValueIterator<Windowed<String>, String> it) {
        List<String> out = new ArrayList<>();
        try (it) {
            it.forEachRemaining(kv -> out.add(kv.key().key() + "@" + kv.key().window().start() / MIN + "=" + kv.value()));
        }
        return out;
    }

    @Test
    void fetchRangesSeparateKeysThatArePrefixesOfEachOtherBeforeAndAfterCommit() {
        TypedWindowStore<String, String> store = windowStore("0_0", Duration.ofHours(1));
        for (String key : List.of("a", "aa", "b")) {
            for (int m = 0; m < 5; m++) {
                store.put(key, key + m, m * MIN);
            }
        }
        for (int round = 0; round < 2; round++) { // first from the write buffer, then from RocksDB
            assertEquals(List.of("1=a1", "2=a2", "3=a3"), starts(store.fetch("a", MIN, 3 * MIN)));
            assertEquals(List.of("4=aa4"), starts(store.fetch("aa", 4 * MIN, 10 * MIN)));
            assertEquals("b2", store.fetch("b", 2 * MIN));
            assertEquals(List.of("aa@3=aa3", "aa@4=aa4", "b@3=b3", "b@4=b4"), windows(store.fetch("aa", "b", 3 * MIN, 4 * MIN)));
            assertEquals(List.of("a@0=a0", "aa@0=aa0", "b@0=b0"), windows(store.fetchAll(0, 0)));
            assertEquals(15, windows(store.all()).size());
            commit(store);
        }
        store.put("a", null, 2 * MIN);
        assertEquals(List.of("1=a1", "3=a3"), starts(store.fetch("a", MIN, 3 * MIN)));
    }

    @Test
    void expiredSegmentsAreDeletedAndWritesToThemDropped() {
        RocksDBStore rocks = new RocksDBStore("seg", dir.resolve("seg"), resources);
        SegmentedBytesStore segmented = new SegmentedBytesStore(rocks, 2 * MIN, k -> ByteBuffer.wrap(k, k.length - 8, 8).getLong());
        opened.add(segmented);
        assertEquals(MIN, segmented.segmentIntervalMs());
        List<KeyValue<byte[], byte[]>> batch = new ArrayList<>();
        for (long m = 0; m < 4; m++) {
            batch.add(KeyValue.pair(key("k", m * MIN), "v".getBytes()));
        }
        segmented.write(batch);
        assertEquals(3 * MIN, segmented.observedStreamTime());
        assertEquals(1, segmented.droppedWrites(), "min live time 1 min + 1 ms: the batch's window at 0 is already expired");
        segmented.expire();
        assertEquals(List.of(1L, 2L, 3L), physicalSegments(rocks));
        assertEquals(3, count(segmented.range(null, null)), "the merged scan strips segment prefixes");
        segmented.write(List.of(KeyValue.pair(key("k", 10 * MIN), "v".getBytes()), KeyValue.pair(key("old", 0), "v".getBytes())));
        assertEquals(2, segmented.droppedWrites(), "a write into an expired segment is dropped");
        segmented.expire();
        assertEquals(List.of(10L), physicalSegments(rocks));
        segmented.close();
        RocksDBStore reopened = new RocksDBStore("seg", dir.resolve("seg"), resources);
        SegmentedBytesStore again = new SegmentedBytesStore(reopened, 2 * MIN, k -> ByteBuffer.wrap(k, k.length - 8, 8).getLong());
        opened.add(again);
        assertEquals(10 * MIN, again.observedStreamTime(), "observed time recovered from the last segment after a restart");
    }

    @Test
    void windowStoreIsRestoredFromItsChangelogWithoutExpiredWindows() {
        TypedWindowStore<String, String> store = windowStore("0_0", Duration.ofMinutes(3));
        store.put("a", "old", 0);
        store.put("a", "x", 5 * MIN);
        store.put("b", "y", 6 * MIN);
        commit(store);
        store.put("b", "y2", 6 * MIN);
        store.put("a", null, 5 * MIN);
        commit(store);
        assertEquals(5, changelog.size(), "one changelog record per window per commit");
        TypedWindowStore<String, String> restored = windowStore("1_0", Duration.ofMinutes(3));
        restored.restoreBatch(changelog);
        assertNull(restored.fetch("a", 0), "expired during restoration");
        assertNull(restored.fetch("a", 5 * MIN), "deleted");
        assertEquals("y2", restored.fetch("b", 6 * MIN));
        assertEquals(List.of("b@6=y2"), windows(restored.all()));
    }

    @Test
    void sessionStoreFindsSessionsThatOverlapAGapAndIsRestoredFromItsChangelog() {
        TypedSessionStore<String, String> store = Stores.persistentSessionStore("s", Duration.ofHours(1), S, S).build();
        store.init(new Context("0_0"));
        opened.add(store);
        store.put(new Windowed<>("a", new Window(0, 10)), "s1");
        store.put(new Windowed<>("a", new Window(30, 40)), "s2");
        store.put(new Windowed<>("aa", new Window(12, 12)), "s3");
        commit(store);
        assertEquals(List.of("a@0-10=s1", "a@30-40=s2"), sessions(store.fetch("a")));
        assertEquals(List.of("a@0-10=s1"), sessions(store.findSessions("a", 5, 20)));
        assertEquals(List.of("a@30-40=s2"), sessions(store.findSessions("a", 11, 45)));
        assertEquals(List.of(), sessions(store.findSessions("a", 41, 100)));
        store.remove(new Windowed<>("a", new Window(0, 10)));
        assertEquals(List.of("a@30-40=s2"), sessions(store.fetch("a")));
        commit(store);
        TypedSessionStore<String, String> restored = Stores.persistentSessionStore("s", Duration.ofHours(1), S, S).build();
        restored.init(new Context("1_0"));
        opened.add(restored);
        restored.restoreBatch(changelog);
        assertEquals(List.of("a@30-40=s2", "aa@12-12=s3"), sessions(restored.all()));
        assertEquals("s3", restored.fetchSession("aa", 12, 12));
    }

    private static List<String> sessions(KeyValueIterator<Windowed<String>, String> it) {
        List<String> out = new ArrayList<>();
        try (it) {
            it.forEachRemaining(kv -> out.add(kv.key().key() + "@" + kv.key().window().start() + "-" + kv.key().window().end() + "=" + kv.value()));
        }
        return out;
    }

    private static byte[] key(String k, long start) {
        return ByteBuffer.allocate(k.length() + 8).put(k.getBytes()).putLong(start).array();
    }

    private static int count(KeyValueIterator<Bytes, byte[]> it) {
        int n = 0;
        try (it) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    private static List<Long> physicalSegments(RocksDBStore rocks) {
        List<Long> segments = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = rocks.range(null, null)) {
            it.forEachRemaining(kv -> segments.add(ByteBuffer.wrap(kv.key().get(), 0, 8).getLong()));
        }
        return segments;
    }
}
