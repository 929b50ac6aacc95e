package io.riffle.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

/** {@code KStream.split} and {@code KStream.repartition} through the TopologyTestDriver. */
class SplitAndRepartitionTest {
    private static final Serde<String> S = Serdes.String();
    private static final Serde<Long> L = Serdes.Long();

    @Test
    void firstMatchingBranchWinsAndTheRestGoesToTheDefault() {
        StreamsBuilder b = new StreamsBuilder();
        Map<String, KStream<String, String>> branches = b.stream("in", Consumed.with(S, S))
            .split(Named.as("size-"))
            .branch((k, v) -> v.length() > 2, Branched.as("long"))
            .branch((k, v) -> v.length() > 1)                       // unnamed: its position, "2"
            .defaultBranch(Branched.as("short"));
        assertEquals(Set.of("size-long", "size-2", "size-short"), branches.keySet());
        branches.get("size-long").to("long", Produced.with(S, S));
        branches.get("size-2").to("medium", Produced.with(S, S));
        branches.get("size-short").to("short", Produced.with(S, S));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var in = d.createInputTopic("in", S.serializer(), S.serializer());
            for (String v : List.of("a", "bbb", "cc", "dddd", "e")) {
                in.pipeInput(v, v);
            }
            // "bbb" and "dddd" also match the second predicate: only the first matching branch gets them
            assertEquals(List.of(KeyValue.pair("bbb", "bbb"), KeyValue.pair("dddd", "dddd")),
                d.createOutputTopic("long", S.deserializer(), S.deserializer()).readKeyValuesToList());
            assertEquals(List.of(KeyValue.pair("cc", "cc")), d.createOutputTopic("medium", S.deserializer(), S.deserializer()).readKeyValuesToList());
            assertEquals(List.of(KeyValue.pair("a", "a"), KeyValue.pair("e", "e")),
                d.createOutputTopic("short", S.deserializer(), S.deserializer()).readKeyValuesToList());
        }
    }

    @Test
    void noDefaultBranchDropsUnmatchedRecordsAndFunctionsAndConsumersShapeTheMap() {
        StreamsBuilder b = new StreamsBuilder();
        Map<String, KStream<String, String>> branches = b.stream("in", Consumed.with(S, S))
            .split(Named.as("s-"))
            .branch((k, v) -> v.startsWith("x"), Branched.withFunction(s -> s.mapValues(v -> v.toUpperCase()), "x"))
            .branch((k, v) -> v.startsWith("y"), Branched.withConsumer(s -> s.to("ys", Produced.with(S, S)), "y"))
            .branch((k, v) -> v.startsWith("z"), Branched.withFunction(s -> null, "z"))
            .noDefaultBranch();
        assertEquals(Set.of("s-x"), branches.keySet()); // consumer branches and null function results are not in the map
        branches.get("s-x").to("xs", Produced.with(S, S));
        try (TopologyTestDriver d = new TopologyTestDriver(b.build())) {
            var in = d.createInputTopic("in", S.serializer(), S.serializer());
            for (String v : List.of("x1", "y1", "z1", "w1", "x2")) {
                in.pipeInput("k", v);
            }
            assertEquals(List.of(KeyValue.pair("k", "X1"), KeyValue.pair("k", "X2")),
                d.createOutputTopic("xs", S.deserializer(), S.deserializer()).readKeyValuesToList());
            assertEquals(List.of(KeyValue.pair("k", "y1")), d.createOutputTopic("ys", S.deserializer(), S.deserializer()).readKeyValuesToList());
        }
    }

    @Test
    void aSplitIsFinishedOnceAndBranchNamesAreUnique() {
        StreamsBuilder b = new StreamsBuilder();
        BranchedKStream<String, String> split = b.stream("in", Consumed.with(S, S)).split(Named.as("p-"));
        split.branch((k, v) -> true, Branched.as("a"));
        assertThrows(IllegalArgumentException.class, () -> split.branch((k, v) -> true, Branched.as("a")));
        split.noDefaultBranch();
        assertThrows(IllegalStateException.class, split::defaultBranch);
    }

    @Test
    void repartitionWritesANamedTopicAndLaterAggregationsNeedNoOther() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(S, S))
            .selectKey((k, v) -> v)
            .repartition(Repartitioned.<String, String>as("by-word").withKeySerde(S).withValueSerde(S).withNumberOfPartitions(3))
            .groupByKey()
            .count(Materialized.as("counts"))
            .toStream()
            .to("out", Produced.with(S, L));
        Topology topology = b.build();
        assertEquals(Map.of("by-word-repartition", 3), topology.internal().repartitionTopicPartitions());
        long repartitionTopics = topology.internal().subtopologies().stream()
            .flatMap(s -> s.sinks().stream()).filter(sink -> sink.internal()).count();
        assertEquals(1, repartitionTopics, "groupByKey after repartition() must not add a second repartition topic");
        try (TopologyTestDriver d = new TopologyTestDriver(topology)) {
            var in = d.createInputTopic("in", S.serializer(), S.serializer());
            in.pipeInput("1", "fox");
            in.pipeInput("2", "dog");
            in.pipeInput("3", "fox");
            assertEquals(Map.of("fox", 2L, "dog", 1L), d.createOutputTopic("out", S.deserializer(), L.deserializer()).readKeyValuesToMap());
            assertEquals(3, d.createOutputTopic("test-driver-by-word-repartition", S.deserializer(), S.deserializer()).readKeyValuesToList().size());
        }
    }

    @Test
    void unnamedRepartitionGetsAGeneratedTopic() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(S, S)).repartition().to("out", Produced.with(S, S));
        Topology topology = b.build();
        assertTrue(topology.describe().contains("KSTREAM-REPARTITION-"), topology.describe());
        try (TopologyTestDriver d = new TopologyTestDriver(topology)) {
            d.createInputTopic("in", S.serializer(), S.serializer()).pipeInput("k", "v");
            assertEquals(List.of(KeyValue.pair("k", "v")), d.createOutputTopic("out", S.deserializer(), S.deserializer()).readKeyValuesToList());
        }
        assertThrows(IllegalArgumentException.class, () -> Repartitioned.numberOfPartitions(0));
    }
}
