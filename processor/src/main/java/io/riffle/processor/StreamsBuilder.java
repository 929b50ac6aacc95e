package io.riffle.processor;

import java.util.List;

import io.riffle.processor.internal.TopologyBuilder;
import io.riffle.processor.state.StoreBuilder;

/**
 * Entry point of the DSL: define streams from topics, transform them, then {@link #build()} a
 * {@link Topology}. Not thread-safe; use one builder per topology.
 *
 * <pre>{@code
 * StreamsBuilder builder = new StreamsBuilder();
 * builder.stream("lines", Consumed.with(Serdes.String(), Serdes.String()))
 *        .flatMapValues(line -> List.of(line.toLowerCase().split("\\W+")))
 *        .groupBy((key, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
 *        .count(Materialized.as("word-counts"))
 *        .toStream()
 *        .to("word-counts", Produced.with(Serdes.String(), Serdes.Long()));
 * }</pre>
 */
public final class StreamsBuilder {
    private final TopologyBuilder graph = new TopologyBuilder();

    /** A stream of the records of one or more topics, read with the default serdes. */
    public <K, V> KStream<K, V> stream(String... topics) {
        return stream(List.of(topics), Consumed.with(null, null));
    }

    public <K, V> KStream<K, V> stream(String topic, Consumed<K, V> consumed) {
        return stream(List.of(topic), consumed);
    }

    /** Topics read by one source must be co-partitioned (checked when the application starts). */
    public <K, V> KStream<K, V> stream(List<String> topics, Consumed<K, V> consumed) {
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("stream() needs at least one topic");
        }
        String name = graph.newName("KSTREAM-SOURCE");
        graph.addSource(name, topics, false, consumed.keySerde(), consumed.valueSerde());
        return new KStream<>(graph, name, consumed.keySerde(), consumed.valueSerde(), false);
    }

    /**
     * A table from a topic read as a changelog: each record upserts its key, a null value
     * deletes it, a null key is dropped. Kept in a RocksDB store named by {@code materialized}
     * (generated if unnamed) with its own compacted changelog topic, as Kafka Streams does by
     * default (it reuses the source topic only with {@code topology.optimization=all}).
     */
    public <K, V> KTable<K, V> table(String topic, Consumed<K, V> consumed, Materialized<K, V> materialized) {
        String source = graph.newName("KTABLE-SOURCE");
        graph.addSource(source, List.of(topic), false, consumed.keySerde(), consumed.valueSerde());
        return KTable.fromUpdates(graph, source, materialized, consumed.keySerde(), consumed.valueSerde(), "KTABLE-SOURCE");
    }

    public <K, V> KTable<K, V> table(String topic, Consumed<K, V> consumed) {
        return table(topic, consumed, Materialized.with(null, null));
    }

    public <K, V> KTable<K, V> table(String topic, Materialized<K, V> materialized) {
        return table(topic, Consumed.with(null, null), materialized);
    }

    public <K, V> KTable<K, V> table(String topic) {
        return table(topic, Consumed.with(null, null), Materialized.with(null, null));
    }

    /**
     * Adds a store for custom processors; connect it by naming it in
     * {@link KStream#process(io.riffle.processor.api.ProcessorSupplier, String...)}.
     */
    public StreamsBuilder addStateStore(StoreBuilder<?> store) {
        graph.addStateStore(store);
        return this;
    }

    public Topology build() {
        return new Topology(graph.build());
    }
}
