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
