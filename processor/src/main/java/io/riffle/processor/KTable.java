package io.riffle.processor;

import java.util.List;

import io.riffle.processor.api.Processor;
import io.riffle.processor.api.ProcessorContext;
import io.riffle.processor.api.Record;
import io.riffle.processor.internal.TopologyBuilder;
import org.apache.kafka.common.serialization.Serde;

/**
 * A changelog stream seen as a table: each record is an upsert of its key; a null value is a
 * tombstone (delete). Aggregations produce tables; {@link #toStream()} turns the updates back
 * into a stream. Not thread-safe (build-time object).
 */
public final class KTable<K, V> {
    private final TopologyBuilder graph;
    private final String node;
    private final String storeName;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;

    KTable(TopologyBuilder graph, String node, String storeName, Serde<K> keySerde, Serde<V> valueSerde) {
        this.graph = graph;
        this.node = node;
        this.storeName = storeName;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    /** The store holding this table, if it is materialized (null for a derived table). */
    public String queryableStoreName() {
        return storeName;
    }

    /** The table's updates as a stream (tombstones as null values). */
    public KStream<K, V> toStream() {
        String name = graph.newName("KTABLE-TOSTREAM");
        graph.addProcessor(name, () -> new Updates<K, V, V>((r, c) -> c.forward(r)), List.of(node));
        return new KStream<>(graph, name, keySerde, valueSerde, false);
    }

    /**
     * Keeps rows for which the predicate holds; a row that fails it is sent downstream as a
     * tombstone, so that a row that stops matching is removed downstream. Not materialized.
     */
    public KTable<K, V> filter(Predicate<? super K, ? super V> predicate) {
        String name = graph.newName("KTABLE-FILTER");
        graph.addProcessor(name, () -> new Updates<K, V, V>((r, c) -> {
            if (r.value() == null || predicate.test(r.key(), r.value())) {
                c.forward(r);
            } else {
                c.forward(r.withValue(null));
            }
        }), List.of(node));
        return new KTable<>(graph, name, null, keySerde, valueSerde);
    }

    /** Maps each row's value; tombstones stay tombstones. Not materialized. */
    public <V2> KTable<K, V2> mapValues(ValueMapper<? super V, ? extends V2> mapper) {
        String name = graph.newName("KTABLE-MAPVALUES");
        graph.addProcessor(name, () -> new Updates<K, V, V2>((r, c) ->
            c.forward(r.<V2>withValue(r.value() == null ? null : mapper.apply(r.value())))), List.of(node));
        return new KTable<>(graph, name, null, keySerde, null);
    }

    @FunctionalInterface
    private interface Body<K, V, V2> {
        void apply(Record<K, V> record, ProcessorContext<K, V2> context);
    }

    private static final class Updates<K, V, V2> implements Processor<K, V, K, V2> {
        private final Body<K, V, V2> body;
        private ProcessorContext<K, V2> context;

        Updates(Body<K, V, V2> body) {
            this.body = body;
        }

        @Override
        public void init(ProcessorContext<K, V2> ctx) {
            this.context = ctx;
        }

        @Override
        public void process(Record<K, V> record) {
            body.apply(record, context);
        }
    }
}
