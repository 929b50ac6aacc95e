package io.riffle.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.KeyValueStore;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

/** Every DSL operator, run through the TopologyTestDriver (real RocksDB stores). */
class DslOperatorsTest {
    private static final Serde<String> S = Serdes.String();
    private static final Serde<Long> L = Serdes.Long();
    private static final Serde<Integer> I = Serdes.Integer();

    private List<KeyValue<String, String>> runStateless(java.util.function.Function<KStream<String, String>, KStream<String, String>> op,
                                                       List<KeyValue<String, String>> input) {
        StreamsBuilder b = new StreamsBuilder();
        op.apply(b.stream("in", Consumed.with(S, S))).to("out", Produced.with(S, S));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var in = d.createInputTopic("in", S.serializer(), S.serializer());
            input.forEach(kv -> in.pipeInput(kv.key(), kv.value()));
            return d.createOutputTopic("out", S.deserializer(), S.deserializer()).readKeyValuesToList();
        }
    }

    private static final List<KeyValue<String, String>> INPUT = List.of(KeyValue.pair("a", "1"), KeyValue.pair("b", "22"), KeyValue.pair("c", "333"));

    @Test
    void filterAndFilterNot() {
        assertEquals(List.of(KeyValue.pair("b", "22"), KeyValue.pair("c", "333")), runStateless(s -> s.filter((k, v) -> v.length() > 1), INPUT));
        assertEquals(List.of(KeyValue.pair("a", "1")), runStateless(s -> s.filterNot((k, v) -> v.length() > 1), INPUT));
    }

    @Test
    void mapAndMapValuesAndSelectKey() {
        assertEquals(List.of(KeyValue.pair("1", "a"), KeyValue.pair("22", "b"), KeyValue.pair("333", "c")),
            runStateless(s -> s.map((k, v) -> KeyValue.pair(v, k)), INPUT));
        assertEquals(List.of(KeyValue.pair("a", "1!"), KeyValue.pair("b", "22!"), KeyValue.pair("c", "333!")),
            runStateless(s -> s.mapValues(v -> v + "!"), INPUT));
        assertEquals(List.of(KeyValue.pair("a1", "1"), KeyValue.pair("b22", "22"), KeyValue.pair("c333", "333")),
            runStateless(s -> s.selectKey((k, v) -> k + v), INPUT));
    }

    @Test
    void flatMapAndFlatMapValues() {
        assertEquals(List.of(KeyValue.pair("a", "1"), KeyValue.pair("b", "2"), KeyValue.pair("b", "2")),
            runStateless(s -> s.filter((k, v) -> v.length() < 3)
                .flatMap((k, v) -> v.chars().mapToObj(c -> KeyValue.pair(k, String.valueOf((char) c))).toList()), INPUT));
        assertEquals(List.of(KeyValue.pair("x", "p"), KeyValue.pair("x", "q")),
            runStateless(s -> s.flatMapValues(v -> Arrays.asList(v.split(","))), List.of(KeyValue.pair("x", "p,q"))));
    }

    @Test
    void peekSeesEveryRecordAndPassesItOn() {
        List<String> seen = new ArrayList<>();
        assertEquals(INPUT, runStateless(s -> s.peek((k, v) -> seen.add(k)), INPUT));
        assertEquals(List.of("a", "b", "c"), seen);
    }

    @Test
    void mergeInterleavesBothInputs() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("left", Consumed.with(S, S)).merge(b.stream("right", Consumed.with(S, S))).to("out", Produced.with(S, S));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            d.createInputTopic("left", S.serializer(), S.serializer()).pipeInput("l", "1");
            d.createInputTopic("right", S.serializer(), S.serializer()).pipeInput("r", "2");
            assertEquals(List.of(KeyValue.pair("l", "1"), KeyValue.pair("r", "2")),
                d.createOutputTopic("out", S.deserializer(), S.deserializer()).readKeyValuesToList());
        }
    }

    @Test
    void wordCountRepartitionsAndCounts() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("lines", Consumed.with(S, S))
            .flatMapValues(line -> Arrays.asList(line.toLowerCase().split("\\W+")))
            .groupBy((k, w) -> w, Grouped.with(S, S))
            .count(Materialized.as("counts"))
            .toStream()
            .to("counts-out", Produced.with(S, L));
        Topology topology = b.build();
        assertTrue(topology.describe().contains("<app>-counts-repartition"), topology.describe());
        assertTrue(topology.describe().contains("Sub-topology: 1"), topology.describe());
        try (TopologyTestDriver d = new TopologyTestDriver(topology)) {
            var in = d.createInputTopic("lines", S.serializer(), S.serializer());
            in.pipeInput("the cat and the hat");
            in.pipeInput("The end");
            Map<String, Long> out = d.createOutputTopic("counts-out", S.deserializer(), L.deserializer()).readKeyValuesToMap();
            assertEquals(Map.of("the", 3L, "cat", 1L, "and", 1L, "hat", 1L, "end", 1L), out);
            KeyValueStore<String, Long> store = d.getKeyValueStore("counts");
            assertEquals(3L, store.get("the"));
            assertNull(store.get("dog"));
            List<String> keys = new ArrayList<>();
            try (KeyValueIterator<String, Long> it = store.range("b", "d")) {
                it.forEachRemaining(kv -> keys.add(kv.key()));
            }
            assertEquals(List.of("cat"), keys);
        }
    }

    @Test
    void reduceAndAggregateByKeyWithoutRepartition() {
        StreamsBuilder b = new StreamsBuilder();
        KGroupedStream<String, Integer> grouped = b.stream("nums", Consumed.with(S, I)).groupByKey();
        grouped.reduce(Integer::sum, Materialized.<String, Integer>as("sums").withKeySerde(S)).toStream().to("sums-out", Produced.with(S, I));
        grouped.aggregate(() -> "", (k, v, agg) -> agg + v, Materialized.<String, String>as("concat").withKeySerde(S).withValueSerde(S))
            .toStream().to("concat-out", Produced.with(S, S));
        Topology topology = b.build();
        assertTrue(!topology.describe().contains("repartition"), topology.describe());
        try (TopologyTestDriver d = new TopologyTestDriver(topology)) {
            var in = d.createInputTopic("nums", S.serializer(), I.serializer());
            in.pipeInput("x", 1);
            in.pipeInput("x", 2);
            in.pipeInput("y", 5);
            in.pipeInput(null, 7); // null key: no group, dropped
            assertEquals(List.of(KeyValue.pair("x", 1), KeyValue.pair("x", 3), KeyValue.pair("y", 5)),
                d.createOutputTopic("sums-out", S.deserializer(), I.deserializer()).readKeyValuesToList());
            assertEquals(Map.of("x", "12", "y", "5"), d.createOutputTopic("concat-out", S.deserializer(), S.deserializer()).readKeyValuesToMap());
        }
    }

    @Test
    void tableFilterSendsTombstonesAndMapValuesMaps() {
        StreamsBuilder b = new StreamsBuilder();
        KTable<String, Long> counts = b.stream("in", Consumed.with(S, S)).groupByKey(Grouped.with(S, S)).count(Materialized.as("c"));
        counts.filter((k, n) -> n % 2 == 0).toStream().to("even", Produced.with(S, L));
        counts.mapValues(n -> "n=" + n).toStream().to("text", Produced.with(S, S));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var in = d.createInputTopic("in", S.serializer(), S.serializer());
            in.pipeInput("k", "a");
            in.pipeInput("k", "b");
            List<KeyValue<String, Long>> even = d.createOutputTopic("even", S.deserializer(), L.deserializer()).readKeyValuesToList();
            assertEquals(List.of(KeyValue.pair("k", null), KeyValue.pair("k", 2L)), even);
            assertEquals(List.of(KeyValue.pair("k", "n=1"), KeyValue.pair("k", "n=2")),
                d.createOutputTopic("text", S.deserializer(), S.deserializer()).readKeyValuesToList());
        }
    }

    @Test
    void jsonSerdeRoundTrips() {
        record Point(int x, int y) {
        }
        JsonSerde<Point> serde = new JsonSerde<>(Point.class);
        Point p = new Point(3, 4);
        assertEquals(p, serde.deserializer().deserialize("t", serde.serializer().serialize("t", p)));
        assertEquals("{\"x\":3,\"y\":4}", new String(serde.serializer().serialize("t", p)));
    }

    @Test
    void unknownInputTopicIsAClearError() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(S, S)).to("out");
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var e = assertThrows(IllegalArgumentException.class, () -> d.createInputTopic("nope", S.serializer(), S.serializer()));
            assertTrue(e.getMessage().contains("nope"));
        }
    }
}
