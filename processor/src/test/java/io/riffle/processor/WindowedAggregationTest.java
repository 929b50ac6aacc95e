package io.riffle.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.SessionStore;
import io.riffle.processor.state.WindowStore;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

/** Windowed aggregations, grace, retention and suppress through the TopologyTestDriver (real RocksDB). */
class WindowedAggregationTest {
    private static final Serde<String> S = Serdes.String();
    private static final Serde<Long> L = Serdes.Long();
    private static final Duration TEN = Duration.ofMillis(10);

    /** Output records rendered as "key@start/end=value". */
    private static List<String> run(java.util.function.Function<KGroupedStream<String, String>, KTable<Windowed<String>, Long>> agg,
                                    boolean session, Object... keyTimestampPairs) {
        StreamsBuilder b = new StreamsBuilder();
        agg.apply(b.stream("in", Consumed.with(S, S)).groupByKey(Grouped.with(S, S)))
            .toStream()
            .to("out", Produced.with(session ? WindowedSerdes.sessionWindowedSerdeFrom(S) : WindowedSerdes.timeWindowedSerdeFrom(S, 10), L));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var in = d.createInputTopic("in", S.serializer(), S.serializer());
            for (int i = 0; i < keyTimestampPairs.length; i += 2) {
                in.pipeInput((String) keyTimestampPairs[i], "v", ((Number) keyTimestampPairs[i + 1]).longValue());
            }
            var out = d.createOutputTopic("out",
                (session ? WindowedSerdes.sessionWindowedSerdeFrom(S) : WindowedSerdes.timeWindowedSerdeFrom(S, 10)).deserializer(), L.deserializer());
            List<String> result = new ArrayList<>();
            for (KeyValue<Windowed<String>, Long> kv : out.readKeyValuesToList()) {
                result.add(kv.key().key() + "@" + kv.key().window().start() + "/" + kv.key().window().end() + "=" + kv.value());
            }
            return result;
        }
    }

    @Test
    void tumblingCountPerKeyAndWindow() {
        assertEquals(List.of("a@0/10=1", "a@0/10=2", "b@0/10=1", "a@10/20=1", "a@0/10=3"),
            run(g -> g.windowedBy(TimeWindows.ofSizeAndGrace(TEN, TEN)).count(), false, "a", 1, "a", 5, "b", 7, "a", 12, "a", 9));
    }

    @Test
    void hoppingWindowsCountARecordInEveryWindowThatContainsIt() {
        assertEquals(List.of("a@0/10=1", "a@5/15=1", "a@5/15=2", "a@10/20=1"),
            run(g -> g.windowedBy(TimeWindows.ofSizeWithNoGrace(TEN).advanceBy(Duration.ofMillis(5))).count(), false, "a", 7, "a", 12));
        assertEquals(List.of(new Window(0, 10), new Window(5, 15)),
            TimeWindows.ofSizeWithNoGrace(TEN).advanceBy(Duration.ofMillis(5)).windowsFor(7));
        assertEquals(List.of(new Window(0, 10)), TimeWindows.ofSizeWithNoGrace(TEN).advanceBy(Duration.ofMillis(5)).windowsFor(3));
    }

    @Test
    void lateRecordsAreAcceptedWithinGraceAndDroppedAfter() {
        // grace 5: at stream time 14 the window [0,10) is still open (10 > 14 - 5); at 20 it is closed (10 <= 15)
        assertEquals(List.of("a@0/10=1", "a@10/20=1", "a@0/10=2", "a@20/30=1"),
            run(g -> g.windowedBy(TimeWindows.ofSizeAndGrace(TEN, Duration.ofMillis(5))).count(), false,
                "a", 1, "a", 14, "a", 3, "a", 20, "a", 4));
        // no grace: once stream time reaches the window end, the window is closed
        assertEquals(List.of("a@0/10=1", "a@10/20=1"),
            run(g -> g.windowedBy(TimeWindows.ofSizeWithNoGrace(TEN)).count(), false, "a", 1, "a", 10, "a", 2));
    }

    @Test
    void reduceAndAggregateOverWindowsAndTheWindowStoreIsQueryable() {
        StreamsBuilder b = new StreamsBuilder();
        KGroupedStream<String, String> g = b.stream("in", Consumed.with(S, S)).groupByKey(Grouped.with(S, S));
        g.windowedBy(TimeWindows.ofSizeWithNoGrace(TEN)).reduce((x, y) -> x + y, Materialized.as("concat"));
        g.windowedBy(TimeWindows.ofSizeWithNoGrace(TEN)).aggregate(() -> 0L, (k, v, sum) -> sum + v.length(),
            Materialized.<String, Long>as("lengths").withValueSerde(L));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var in = d.createInputTopic("in", S.serializer(), S.serializer());
            in.pipeInput("a", "x", 1);
            in.pipeInput("a", "yy", 2);
            in.pipeInput("b", "zzz", 3);
            in.pipeInput("a", "w", 15);
            WindowStore<String, String> concat = d.getWindowStore("concat");
            assertEquals("xyy", concat.fetch("a", 0));
            assertEquals("w", concat.fetch("a", 10));
            assertNull(concat.fetch("a", 20));
            List<String> starts = new ArrayList<>();
            try (KeyValueIterator<Long, String> it = concat.fetch("a", 0, 100)) {
                it.forEachRemaining(kv -> starts.add(kv.key() + "=" + kv.value()));
            }
            assertEquals(List.of("0=xyy", "10=w"), starts);
            List<String> all = new ArrayList<>();
            try (KeyValueIterator<Windowed<String>, String> it = concat.fetchAll(0, 5)) {
                it.forEachRemaining(kv -> all.add(kv.key().toString() + "=" + kv.value()));
            }
            assertEquals(List.of("[a@0/10]=xyy", "[b@0/10]=zzz"), all);
            WindowStore<String, Long> lengths = d.getWindowStore("lengths");
            assertEquals(3L, lengths.fetch("a", 0));
        }
    }

    @Test
    void sessionsGrowMergeAndEmitTombstonesForMergedAwaySessions() {
        // gap 10: 10 bridges [0,0] and [20,20]; 25 extends [0,20]; 40 starts a new session
        assertEquals(List.of("a@0/0=1", "a@20/20=1", "a@0/0=null", "a@0/20=3", "a@20/20=null", "a@0/20=null", "a@0/25=4", "a@40/40=1"),
            run(g -> g.windowedBy(SessionWindows.ofInactivityGapAndGrace(TEN, Duration.ofMillis(100))).count(), true,
                "a", 0, "a", 20, "a", 10, "a", 25, "a", 40));
    }

    @Test
    void sessionAggregateUsesTheMergerAndTheStoreFindsSessions() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(S, S)).groupByKey(Grouped.with(S, S))
            .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(TEN))
            .aggregate(() -> "", (k, v, agg) -> agg + v, (k, x, y) -> x + y, Materialized.<String, String>as("sessions").withValueSerde(S));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var in = d.createInputTopic("in", S.serializer(), S.serializer());
            in.pipeInput("a", "1", 0);
            in.pipeInput("a", "2", 20);
            in.pipeInput("b", "x", 21);
            in.pipeInput("a", "3", 10); // bridges [0,0] and [20,20]
            SessionStore<String, String> store = d.getSessionStore("sessions");
            Map<String, String> sessions = new LinkedHashMap<>();
            try (KeyValueIterator<Windowed<String>, String> it = store.fetch("a")) {
                it.forEachRemaining(kv -> sessions.put(kv.key().window().start() + "-" + kv.key().window().end(), kv.value()));
            }
            assertEquals(Map.of("0-20", "123"), sessions);
            assertEquals("x", store.fetchSession("b", 21, 21));
            try (KeyValueIterator<Windowed<String>, String> it = store.findSessions("a", 25, 40)) {
                assertTrue(!it.hasNext(), "no session of a ends at or after 25");
            }
            in.pipeInput("a", "late", 5); // stream time 21, gap 10, no grace: sessions ending before 11 are closed, but [0,20] is open
            assertEquals("123late", store.fetchSession("a", 0, 20));
            in.pipeInput("b", "y", 100);
            in.pipeInput("a", "too-late", 50); // would start a session [50,50]: 50 >= 100 - 10, accepted
            in.pipeInput("a", "dropped", 60 - 60); // [0,20] closed (20 < 90): dropped
            assertEquals("123late", store.fetchSession("a", 0, 20));
            assertNull(store.fetchSession("a", 0, 0));
        }
    }

    @Test
    void suppressEmitsOnlyTheFinalResultOfEachWindowWhenItCloses() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(S, S)).groupByKey(Grouped.with(S, S))
            .windowedBy(TimeWindows.ofSizeAndGrace(TEN, Duration.ofMillis(5)))
            .count()
            .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
            .toStream()
            .to("out", Produced.with(WindowedSerdes.timeWindowedSerdeFrom(S, 10), L));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var in = d.createInputTopic("in", S.serializer(), S.serializer());
            var out = d.createOutputTopic("out", WindowedSerdes.timeWindowedSerdeFrom(S, 10).deserializer(), L.deserializer());
            in.pipeInput("a", "v", 1);
            in.pipeInput("a", "v", 3);
            in.pipeInput("b", "v", 8);
            in.pipeInput("a", "v", 12);
            in.pipeInput("a", "v", 9); // late but within grace: counted
            assertTrue(out.isEmpty(), "nothing before stream time reaches 10 + 5");
            in.pipeInput("c", "v", 15);
            List<String> emitted = new ArrayList<>();
            out.readKeyValuesToList().forEach(kv -> emitted.add(kv.key() + "=" + kv.value()));
            assertEquals(List.of("[a@0/10]=3", "[b@0/10]=1"), emitted);
            in.pipeInput("a", "v", 2); // window closed: dropped, and nothing re-emitted
            in.pipeInput("a", "v", 30);
            emitted.clear();
            out.readKeyValuesToList().forEach(kv -> emitted.add(kv.key() + "=" + kv.value()));
            assertEquals(List.of("[a@10/20]=1", "[c@10/20]=1"), emitted);
        }
    }

    @Test
    void suppressOfSessionsWaitsForGapPlusGraceAndSkipsMergedAwaySessions() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(S, S)).groupByKey(Grouped.with(S, S))
            .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(TEN))
            .count()
            .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
            .toStream()
            .to("out", Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(S), L));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var in = d.createInputTopic("in", S.serializer(), S.serializer());
            var out = d.createOutputTopic("out", WindowedSerdes.sessionWindowedSerdeFrom(S).deserializer(), L.deserializer());
            in.pipeInput("a", "v", 0);
            in.pipeInput("a", "v", 5);
            in.pipeInput("a", "v", 14);
            in.pipeInput("b", "v", 24); // a's session [0,14] closes at 14 + 10 = 24
            List<String> emitted = new ArrayList<>();
            out.readKeyValuesToList().forEach(kv -> emitted.add(kv.key() + "=" + kv.value()));
            assertEquals(List.of("[a@0/14]=3"), emitted);
        }
    }

    @Test
    void retentionHidesAndDropsExpiredWindows() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(S, S)).groupByKey(Grouped.with(S, S))
            .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMinutes(1)))
            .count(Materialized.<String, Long>as("counts").withRetention(Duration.ofMinutes(3)));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var in = d.createInputTopic("in", S.serializer(), S.serializer());
            in.pipeInput("a", "v", 0);
            in.pipeInput("a", "v", Duration.ofMinutes(2).toMillis());
            WindowStore<String, Long> store = d.getWindowStore("counts");
            assertEquals(1L, store.fetch("a", 0));
            in.pipeInput("a", "v", Duration.ofMinutes(10).toMillis());
            assertNull(store.fetch("a", 0), "window start 0 is older than 10 min - 3 min retention");
            assertNull(store.fetch("a", Duration.ofMinutes(2).toMillis()));
            assertEquals(1L, store.fetch("a", Duration.ofMinutes(10).toMillis()));
        }
        assertThrows(IllegalArgumentException.class, () -> new StreamsBuilder().stream("in", Consumed.with(S, S)).groupByKey()
            .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(1), Duration.ofMinutes(1)))
            .count(Materialized.<String, Long>as("short").withRetention(Duration.ofSeconds(90))));
    }

    @Test
    void suppressNeedsAWindowedTableDirectlyUpstream() {
        StreamsBuilder b = new StreamsBuilder();
        KTable<String, Long> counts = b.stream("in", Consumed.with(S, S)).groupByKey(Grouped.with(S, S)).count();
        assertThrows(IllegalStateException.class, () -> counts.suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded())));
    }
}
