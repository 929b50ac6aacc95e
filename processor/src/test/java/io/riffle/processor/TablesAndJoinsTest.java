package io.riffle.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.KeyValueStore;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

/** Tables from topics, toTable, stream-table and table-table joins, through the TopologyTestDriver. */
class TablesAndJoinsTest {
    private static final Serde<String> S = Serdes.String();

    private static KeyValue<String, String> kv(String k, String v) {
        return KeyValue.pair(k, v);
    }

    private static Map<String, String> contents(KeyValueStore<String, String> store) {
        Map<String, String> result = new java.util.TreeMap<>();
        try (KeyValueIterator<String, String> it = store.all()) {
            it.forEachRemaining(e -> result.put(e.key(), e.value()));
        }
        return result;
    }

    @Test
    void tableFromTopicUpsertsAndDeletesOnTombstones() {
        StreamsBuilder b = new StreamsBuilder();
        b.table("users", Consumed.with(S, S), Materialized.as("users-store")).toStream().to("out", Produced.with(S, S));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var in = d.createInputTopic("users", S.serializer(), S.serializer());
            in.pipeInput("a", "alice");
            in.pipeInput("b", "bob");
            in.pipeInput("a", "anna");
            in.pipeInput("b", null);
            in.pipeInput(null, "no key");
            KeyValueStore<String, String> store = d.getKeyValueStore("users-store");
            assertEquals(Map.of("a", "anna"), contents(store));
            assertNull(store.get("b"));
            assertEquals(List.of(kv("a", "alice"), kv("b", "bob"), kv("a", "anna"), kv("b", null)),
                d.createOutputTopic("out", S.deserializer(), S.deserializer()).readKeyValuesToList());
        }
    }

    @Test
    void streamToTableRepartitionsARekeyedStream() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(S, S)).selectKey((k, v) -> v.substring(0, 1))
            .toTable(Materialized.<String, String>as("latest").withKeySerde(S).withValueSerde(S));
        Topology t = b.build();
        assertTrue(t.describe().contains("latest-repartition"), t.describe());
        try (TopologyTestDriver d = new TopologyTestDriver(t)) {
            var in = d.createInputTopic("in", S.serializer(), S.serializer());
            in.pipeInput("1", "x1");
            in.pipeInput("2", "y1");
            in.pipeInput("3", "x2");
            assertEquals(Map.of("x", "x2", "y", "y1"), contents(d.getKeyValueStore("latest")));
        }
    }

    private TopologyTestDriver streamTableDriver(boolean left) {
        StreamsBuilder b = new StreamsBuilder();
        KTable<String, String> users = b.table("users", Consumed.with(S, S));
        KStream<String, String> clicks = b.stream("clicks", Consumed.with(S, S));
        (left ? clicks.leftJoin(users, (c, u) -> c + "/" + u) : clicks.join(users, (c, u) -> c + "/" + u))
            .to("out", Produced.with(S, S));
        return new TopologyTestDriver(b.build());
    }

    @Test
    void streamTableJoinLooksUpTheTableAtTheTimeOfEachRecord() {
        try (TopologyTestDriver d = streamTableDriver(false)) {
            var users = d.createInputTopic("users", S.serializer(), S.serializer());
            var clicks = d.createInputTopic("clicks", S.serializer(), S.serializer());
            clicks.pipeInput("a", "c1");          // no user yet: dropped
            users.pipeInput("a", "alice");        // table update: no output
            clicks.pipeInput("a", "c2");
            users.pipeInput("a", "anna");
            clicks.pipeInput("a", "c3");
            clicks.pipeInput("a", null);          // null value: ignored
            clicks.pipeInput(null, "c4");         // null key: dropped
            users.pipeInput("a", null);           // tombstone
            clicks.pipeInput("a", "c5");
            assertEquals(List.of(kv("a", "c2/alice"), kv("a", "c3/anna")),
                d.createOutputTopic("out", S.deserializer(), S.deserializer()).readKeyValuesToList());
        }
    }

    @Test
    void streamTableLeftJoinKeepsEveryRecord() {
        try (TopologyTestDriver d = streamTableDriver(true)) {
            var users = d.createInputTopic("users", S.serializer(), S.serializer());
            var clicks = d.createInputTopic("clicks", S.serializer(), S.serializer());
            clicks.pipeInput("a", "c1");
            users.pipeInput("a", "alice");
            clicks.pipeInput("a", "c2");
            clicks.pipeInput(null, "c3");         // KIP-962: null key joins with null
            users.pipeInput("a", null);
            clicks.pipeInput("a", "c4");
            clicks.pipeInput("a", null);          // null value: ignored
            assertEquals(List.of(kv("a", "c1/null"), kv("a", "c2/alice"), kv(null, "c3/null"), kv("a", "c4/null")),
                d.createOutputTopic("out", S.deserializer(), S.deserializer()).readKeyValuesToList());
        }
    }

    private enum Kind { INNER, LEFT, OUTER }

    /** Runs the same update sequence through a table-table join; returns output and the result store. */
    private List<KeyValue<String, String>> tableTable(Kind kind, List<String[]> updates, Map<String, String> expectedStore) {
        StreamsBuilder b = new StreamsBuilder();
        KTable<String, String> l = b.table("left", Consumed.with(S, S));
        KTable<String, String> r = b.table("right", Consumed.with(S, S));
        ValueJoiner<String, String, String> joiner = (x, y) -> x + "+" + y;
        Materialized<String, String> m = Materialized.<String, String>as("joined").withValueSerde(S).withKeySerde(S);
        KTable<String, String> joined = switch (kind) {
            case INNER -> l.join(r, joiner, m);
            case LEFT -> l.leftJoin(r, joiner, m);
            case OUTER -> l.outerJoin(r, joiner, m);
        };
        assertEquals("joined", joined.queryableStoreName());
        joined.toStream().to("out", Produced.with(S, S));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var left = d.createInputTopic("left", S.serializer(), S.serializer());
            var right = d.createInputTopic("right", S.serializer(), S.serializer());
            for (String[] u : updates) {
                (u[0].equals("L") ? left : right).pipeInput(u[1], u[2]);
            }
            assertEquals(expectedStore, contents(d.getKeyValueStore("joined")));
            return d.createOutputTopic("out", S.deserializer(), S.deserializer()).readKeyValuesToList();
        }
    }

    private static final List<String[]> UPDATES = List.of(
        new String[] {"L", "a", "l1"},   // left only
        new String[] {"R", "a", "r1"},   // both
        new String[] {"L", "a", "l2"},   // left update
        new String[] {"R", "b", "rb"},   // right only
        new String[] {"R", "a", null},   // right delete
        new String[] {"L", "a", null},   // left delete
        new String[] {"L", "b", "lb"},   // b joins
        new String[] {"R", "b", null});  // b right delete

    @Test
    void tableTableInnerJoin() {
        List<KeyValue<String, String>> out = tableTable(Kind.INNER, UPDATES, Map.of());
        List<KeyValue<String, String>> expected = new ArrayList<>(List.of(
            kv("a", "l1+r1"), kv("a", "l2+r1"), kv("a", null), kv("b", "lb+rb"), kv("b", null)));
        assertEquals(expected, out);
    }

    @Test
    void tableTableLeftJoin() {
        List<KeyValue<String, String>> out = tableTable(Kind.LEFT, UPDATES, Map.of("b", "lb+null"));
        assertEquals(List.of(kv("a", "l1+null"), kv("a", "l1+r1"), kv("a", "l2+r1"), kv("a", "l2+null"), kv("a", null),
            kv("b", "lb+rb"), kv("b", "lb+null")), out);
    }

    @Test
    void tableTableOuterJoin() {
        List<KeyValue<String, String>> out = tableTable(Kind.OUTER, UPDATES, Map.of("b", "lb+null"));
        assertEquals(List.of(kv("a", "l1+null"), kv("a", "l1+r1"), kv("a", "l2+r1"), kv("b", "null+rb"), kv("a", "l2+null"),
            kv("a", null), kv("b", "lb+rb"), kv("b", "lb+null")), out);
    }

    @Test
    void joinOfDerivedTablesMaterializesThem() {
        StreamsBuilder b = new StreamsBuilder();
        KTable<String, String> l = b.table("left", Consumed.with(S, S)).filter((k, v) -> !v.startsWith("x"));
        KTable<String, String> r = b.table("right", Consumed.with(S, S)).mapValues(String::toUpperCase);
        assertNull(l.queryableStoreName());
        l.join(r, (x, y) -> x + y).toStream().to("out", Produced.with(S, S));
        java.util.Properties props = new java.util.Properties();
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE, Serdes.StringSerde.class.getName()); // mapValues' result type is unknown
        try (TopologyTestDriver d = new TopologyTestDriver(b.build(), props)) {
            var left = d.createInputTopic("left", S.serializer(), S.serializer());
            var right = d.createInputTopic("right", S.serializer(), S.serializer());
            right.pipeInput("a", "r");
            left.pipeInput("a", "l");
            left.pipeInput("a", "xl");  // filtered out: the row leaves the join
            assertEquals(List.of(kv("a", "lR"), kv("a", null)),
                d.createOutputTopic("out", S.deserializer(), S.deserializer()).readKeyValuesToList());
        }
    }

    @Test
    void cachedTableChainLogsEveryStoreInTheSameCommit() {
        // table (cached) -> join -> materialized result (cached): the result's writes arrive while
        // the source store flushes, and must still be prepared (logged) in the same commit
        StreamsBuilder b = new StreamsBuilder();
        KTable<String, String> l = b.table("left", Consumed.with(S, S), Materialized.as("l"));
        KTable<String, String> r = b.table("right", Consumed.with(S, S), Materialized.as("r"));
        l.join(r, (x, y) -> x + y, Materialized.<String, String>as("j").withValueSerde(S));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            d.createInputTopic("right", S.serializer(), S.serializer()).pipeInput("a", "2");
            d.createInputTopic("left", S.serializer(), S.serializer()).pipeInput("a", "1");
            assertEquals(List.of(kv("a", "12")),
                d.createOutputTopic("test-driver-j-changelog", S.deserializer(), S.deserializer()).readKeyValuesToList());
        }
    }

    @Test
    void joinsAcrossBuildersAreRejected() {
        KTable<String, String> t1 = new StreamsBuilder().table("a", Consumed.with(S, S));
        KTable<String, String> t2 = new StreamsBuilder().table("b", Consumed.with(S, S));
        assertThrows(IllegalArgumentException.class, () -> t1.join(t2, (x, y) -> x + y));
    }
}
