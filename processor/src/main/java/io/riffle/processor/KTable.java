package io.riffle.processor;

import java.util.List;

import io.riffle.processor.api.Processor;
import io.riffle.processor.api.ProcessorContext;
import io.riffle.processor.api.Record;
import io.riffle.processor.internal.TopologyBuilder;
import io.riffle.processor.state.Stores;
import io.riffle.processor.state.internal.KeyValueStoreBuilder;
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
    /** For a windowed aggregation's table: how long after a window's end it may still change; else -1. */
    private long windowCloseDelayMs = -1;

    KTable(TopologyBuilder graph, String node, String storeName, Serde<K> keySerde, Serde<V> valueSerde) {
        this.graph = graph;
        this.node = node;
        this.storeName = storeName;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    /** Marks this table as a windowed aggregation whose windows close {@code delayMs} after their end. */
    KTable<K, V> windowCloseDelay(long delayMs) {
        this.windowCloseDelayMs = delayMs;
        return this;
    }

    /**
     * Holds back updates of a windowed aggregation's table and emits each window's final result
     * once, when stream time passes window end + grace (+ inactivity gap for sessions). The buffer
     * is a store logged to a changelog, so held-back results survive restarts. Must directly
     * follow {@code windowedBy(...).count/reduce/aggregate}; the table's key and value serdes
     * must be known (from {@code Grouped}/{@code Consumed} and {@code Materialized}).
     */
    public KTable<K, V> suppress(Suppressed suppressed) {
        if (windowCloseDelayMs < 0) {
            throw new IllegalStateException("suppress(untilWindowCloses) needs a windowed aggregation's table directly upstream");
        }
        if (keySerde == null || valueSerde == null) {
            throw new IllegalStateException("suppress needs the table's key and value serdes; set them with Grouped or Consumed "
                + "and Materialized.with(...)");
        }
        String name = suppressed.name() != null ? suppressed.name() : graph.newName("KTABLE-SUPPRESS");
        String storeName = name + "-store";
        graph.addStateStore(io.riffle.processor.state.Stores.persistentKeyValueStore(storeName,
            org.apache.kafka.common.serialization.Serdes.Bytes(), org.apache.kafka.common.serialization.Serdes.ByteArray()));
        long delay = windowCloseDelayMs;
        @SuppressWarnings("unchecked")
        Serde<Object> keys = (Serde<Object>) keySerde;
        graph.addProcessor(name, () -> new SuppressProcessor<>(storeName, delay, keys, valueSerde), List.of(node), storeName);
        return new KTable<>(graph, name, null, keySerde, valueSerde);
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

    /**
     * Inner join with another table on the key: a row for each key present in both; updates
     * of either side update the result, a row that stops joining is deleted (tombstone). Both
     * tables must be co-partitioned (checked at start). Not materialized.
     */
    public <VO, VR> KTable<K, VR> join(KTable<K, VO> other, ValueJoiner<? super V, ? super VO, ? extends VR> joiner) {
        return tableJoin(other, joiner, TableProcessors.JoinKind.INNER, null);
    }

    /** {@link #join(KTable, ValueJoiner)} with the result kept in a queryable store. */
    public <VO, VR> KTable<K, VR> join(KTable<K, VO> other, ValueJoiner<? super V, ? super VO, ? extends VR> joiner,
                                       Materialized<K, VR> materialized) {
        return tableJoin(other, joiner, TableProcessors.JoinKind.INNER, materialized);
    }

    /** Left join: a row for each key of this table; the other side's value is null when absent. */
    public <VO, VR> KTable<K, VR> leftJoin(KTable<K, VO> other, ValueJoiner<? super V, ? super VO, ? extends VR> joiner) {
        return tableJoin(other, joiner, TableProcessors.JoinKind.LEFT, null);
    }

    public <VO, VR> KTable<K, VR> leftJoin(KTable<K, VO> other, ValueJoiner<? super V, ? super VO, ? extends VR> joiner,
                                           Materialized<K, VR> materialized) {
        return tableJoin(other, joiner, TableProcessors.JoinKind.LEFT, materialized);
    }

    /** Outer join: a row for each key of either table; the missing side's value is null. */
    public <VO, VR> KTable<K, VR> outerJoin(KTable<K, VO> other, ValueJoiner<? super V, ? super VO, ? extends VR> joiner) {
        return tableJoin(other, joiner, TableProcessors.JoinKind.OUTER, null);
    }

    public <VO, VR> KTable<K, VR> outerJoin(KTable<K, VO> other, ValueJoiner<? super V, ? super VO, ? extends VR> joiner,
                                            Materialized<K, VR> materialized) {
        return tableJoin(other, joiner, TableProcessors.JoinKind.OUTER, materialized);
    }

    @SuppressWarnings("unchecked")
    private <VO, VR> KTable<K, VR> tableJoin(KTable<K, VO> other, ValueJoiner<? super V, ? super VO, ? extends VR> joiner,
                                             TableProcessors.JoinKind kind, Materialized<K, VR> materialized) {
        if (other.graph != graph) {
            throw new IllegalArgumentException("join: the tables come from different StreamsBuilders");
        }
        KTable<K, V> left = materializedView();
        KTable<K, VO> right = other.materializedView();
        ValueJoiner<Object, Object, VR> untyped = (a, b) -> joiner.apply((V) a, (VO) b);
        String leftSide = graph.newName("KTABLE-JOINTHIS");
        graph.addProcessor(leftSide, () -> new TableProcessors.TableTableJoin<K, V, VO, VR>(right.storeName, untyped, kind, true),
            List.of(left.node), right.storeName);
        String rightSide = graph.newName("KTABLE-JOINOTHER");
        graph.addProcessor(rightSide, () -> new TableProcessors.TableTableJoin<K, VO, V, VR>(left.storeName, untyped, kind, false),
            List.of(right.node), left.storeName);
        String merged = graph.newName("KTABLE-MERGE");
        graph.addProcessor(merged, TableProcessors.PassThrough::new, List.of(leftSide, rightSide));
        KTable<K, VR> result = new KTable<>(graph, merged, null, keySerde, null);
        return materialized == null ? result : result.materialize(materialized, "KTABLE-JOIN");
    }

    /**
     * This table if it has a store, else a materialized copy of it (joins look stores up), kept
     * with the table's serdes — the default serdes where they are unknown (after
     * {@link #mapValues}).
     */
    KTable<K, V> materializedView() {
        if (storeName != null) {
            return this;
        }
        return materialize(Materialized.<K, V>with(keySerde, valueSerde).withCachingDisabled(), "KTABLE-MATERIALIZE");
    }

    /** Writes this table's updates into a store and returns the table read from it. */
    <VR> KTable<K, VR> materialize(Materialized<K, VR> materialized, String prefix) {
        return fromUpdates(graph, node, materialized, keySerde, null, prefix);
    }

    /**
     * A table kept in a store from the updates {@code parent} forwards (null value = delete).
     * Serdes of {@code materialized} win over the given ones; the store name is generated if
     * absent. Used by {@code StreamsBuilder.table}, {@code KStream.toTable} and joins.
     */
    static <K, V> KTable<K, V> fromUpdates(TopologyBuilder graph, String parent, Materialized<K, V> materialized,
                                           Serde<K> keySerde, Serde<V> valueSerde, String prefix) {
        Serde<K> k = materialized.keySerde() != null ? materialized.keySerde() : keySerde;
        Serde<V> v = materialized.valueSerde() != null ? materialized.valueSerde() : valueSerde;
        String store = materialized.storeName() != null ? materialized.storeName() : graph.newName(prefix + "-STATE-STORE");
        KeyValueStoreBuilder<K, V> builder = Stores.persistentKeyValueStore(store, k, v);
        if (!materialized.loggingEnabled()) {
            builder.withLoggingDisabled();
        }
        graph.addStateStore(builder);
        String name = graph.newName(prefix);
        boolean caching = materialized.cachingEnabled();
        graph.addProcessor(name, () -> new TableProcessors.Materializer<K, V>(store, caching), List.of(parent), store);
        return new KTable<>(graph, name, store, k, v);
    }

    TopologyBuilder graph() {
        return graph;
    }

    String node() {
        return node;
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
