package io.riffle.processor;

import java.util.List;

import io.riffle.processor.api.Processor;
import io.riffle.processor.api.ProcessorContext;
import io.riffle.processor.api.ProcessorSupplier;
import io.riffle.processor.api.Record;
import io.riffle.processor.internal.TopologyBuilder;
import org.apache.kafka.common.serialization.Serde;

/**
 * An unbounded stream of records. Each operator adds a node to the topology and returns a new
 * stream; nothing runs until the topology is started. Operators that may change the key
 * ({@link #map}, {@link #flatMap}, {@link #selectKey}) mark the stream so that a later grouping
 * goes through a repartition topic. Not thread-safe (build-time object).
 */
public final class KStream<K, V> {
    private final TopologyBuilder graph;
    private final String node;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private final boolean repartitionRequired;

    KStream(TopologyBuilder graph, String node, Serde<K> keySerde, Serde<V> valueSerde, boolean repartitionRequired) {
        this.graph = graph;
        this.node = node;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.repartitionRequired = repartitionRequired;
    }

    /** A stateless node applying {@code body} to each record; {@code body} forwards through the context. */
    @FunctionalInterface
    private interface Body<K, V, K2, V2> {
        void apply(Record<K, V> record, ProcessorContext<K2, V2> context);
    }

    private <K2, V2> KStream<K2, V2> stateless(String prefix, Body<K, V, K2, V2> body, Serde<K2> newKeySerde,
                                               Serde<V2> newValueSerde, boolean keyChanged) {
        String name = graph.newName(prefix);
        ProcessorSupplier<K, V, K2, V2> supplier = () -> new Processor<>() {
            private ProcessorContext<K2, V2> context;

            @Override
            public void init(ProcessorContext<K2, V2> ctx) {
                this.context = ctx;
            }

            @Override
            public void process(Record<K, V> record) {
                body.apply(record, context);
            }
        };
        graph.addProcessor(name, supplier, List.of(node));
        return new KStream<>(graph, name, newKeySerde, newValueSerde, repartitionRequired || keyChanged);
    }

    /** Keeps records for which the predicate holds. */
    public KStream<K, V> filter(Predicate<? super K, ? super V> predicate) {
        return stateless("KSTREAM-FILTER", (r, c) -> {
            if (predicate.test(r.key(), r.value())) {
                c.forward(r);
            }
        }, keySerde, valueSerde, false);
    }

    /** Drops records for which the predicate holds. */
    public KStream<K, V> filterNot(Predicate<? super K, ? super V> predicate) {
        return filter((k, v) -> !predicate.test(k, v));
    }

    /** A new key and value per record (marks the stream for repartitioning). */
    public <K2, V2> KStream<K2, V2> map(KeyValueMapper<? super K, ? super V, ? extends KeyValue<? extends K2, ? extends V2>> mapper) {
        return stateless("KSTREAM-MAP", (r, c) -> {
            KeyValue<? extends K2, ? extends V2> kv = mapper.apply(r.key(), r.value());
            c.forward(r.<K2>withKey(kv.key()).<V2>withValue(kv.value()));
        }, null, null, true);
    }

    /** A new value per record; the key is kept. */
    public <V2> KStream<K, V2> mapValues(ValueMapper<? super V, ? extends V2> mapper) {
        return stateless("KSTREAM-MAPVALUES", (r, c) -> c.forward(r.<V2>withValue(mapper.apply(r.value()))), keySerde, null, false);
    }

    /** Zero or more records per record (marks the stream for repartitioning). */
    public <K2, V2> KStream<K2, V2> flatMap(
        KeyValueMapper<? super K, ? super V, ? extends Iterable<? extends KeyValue<? extends K2, ? extends V2>>> mapper) {
        return stateless("KSTREAM-FLATMAP", (r, c) -> {
            for (KeyValue<? extends K2, ? extends V2> kv : mapper.apply(r.key(), r.value())) {
                c.forward(r.<K2>withKey(kv.key()).<V2>withValue(kv.value()));
            }
        }, null, null, true);
    }

    /** Zero or more values per record, each with the record's key. */
    public <V2> KStream<K, V2> flatMapValues(ValueMapper<? super V, ? extends Iterable<? extends V2>> mapper) {
        return stateless("KSTREAM-FLATMAPVALUES", (r, c) -> {
            for (V2 v : mapper.apply(r.value())) {
                c.forward(r.<V2>withValue(v));
            }
        }, keySerde, null, false);
    }

    /** A new key per record (marks the stream for repartitioning). */
    public <K2> KStream<K2, V> selectKey(KeyValueMapper<? super K, ? super V, ? extends K2> mapper) {
        return stateless("KSTREAM-KEY-SELECT", (r, c) -> c.forward(r.<K2>withKey(mapper.apply(r.key(), r.value()))),
            null, valueSerde, true);
    }

    /** Runs an action on each record and passes it on unchanged. */
    public KStream<K, V> peek(ForeachAction<? super K, ? super V> action) {
        return stateless("KSTREAM-PEEK", (r, c) -> {
            action.apply(r.key(), r.value());
            c.forward(r);
        }, keySerde, valueSerde, false);
    }

    /** Runs an action on each record; a terminal operation. */
    public void foreach(ForeachAction<? super K, ? super V> action) {
        stateless("KSTREAM-FOREACH", (r, c) -> action.apply(r.key(), r.value()), null, null, false);
    }

    /** The records of both streams, in the order they are processed. */
    public KStream<K, V> merge(KStream<K, V> other) {
        if (other.graph != graph) {
            throw new IllegalArgumentException("merge: the streams come from different StreamsBuilders");
        }
        String name = graph.newName("KSTREAM-MERGE");
        ProcessorSupplier<K, V, K, V> supplier = () -> new Processor<>() {
            private ProcessorContext<K, V> context;

            @Override
            public void init(ProcessorContext<K, V> ctx) {
                this.context = ctx;
            }

            @Override
            public void process(Record<K, V> record) {
                context.forward(record);
            }
        };
        graph.addProcessor(name, supplier, List.of(node, other.node));
        return new KStream<>(graph, name, keySerde, valueSerde, repartitionRequired || other.repartitionRequired);
    }

    /**
     * Splits the stream into branches: each record goes to the first branch whose predicate
     * holds. Branch names are {@code named}'s name followed by each branch's name.
     */
    public BranchedKStream<K, V> split(Named named) {
        String name = graph.newName("KSTREAM-BRANCH");
        BranchedKStream<K, V> split = new BranchedKStream<>(this, graph, name, named.name());
        graph.addProcessor(name, split::newProcessor, List.of(node));
        return split;
    }

    /** As {@link #split(Named)}, with the split node's generated name and a {@code -} as the prefix. */
    public BranchedKStream<K, V> split() {
        String name = graph.newName("KSTREAM-BRANCH");
        BranchedKStream<K, V> split = new BranchedKStream<>(this, graph, name, name + "-");
        graph.addProcessor(name, split::newProcessor, List.of(node));
        return split;
    }

    /** A node named {@code name} under {@code parent} that forwards every record (a branch of a split). */
    KStream<K, V> passThrough(String name, String parent) {
        ProcessorSupplier<K, V, K, V> supplier = () -> new Processor<>() {
            private ProcessorContext<K, V> context;

            @Override
            public void init(ProcessorContext<K, V> ctx) {
                this.context = ctx;
            }

            @Override
            public void process(Record<K, V> record) {
                context.forward(record);
            }
        };
        graph.addProcessor(name, supplier, List.of(parent));
        return new KStream<>(graph, name, keySerde, valueSerde, repartitionRequired);
    }

    /**
     * Always writes the stream through the repartition topic {@code <application.id>-<name>-repartition}
     * (name generated if unset), partitioned by the key's hash, and reads it back: a later
     * grouping or join then needs no repartitioning. The topic has {@code repartitioned}'s
     * partition count, else the count of the sub-topology writing it (as groupBy's topics).
     */
    public KStream<K, V> repartition(Repartitioned<K, V> repartitioned) {
        Serde<K> k = repartitioned.keySerde() != null ? repartitioned.keySerde() : keySerde;
        Serde<V> v = repartitioned.valueSerde() != null ? repartitioned.valueSerde() : valueSerde;
        String topic = (repartitioned.name() != null ? repartitioned.name() : graph.newName("KSTREAM-REPARTITION")) + "-repartition";
        graph.addSink(graph.newName("KSTREAM-SINK"), topic, true, k, v, List.of(node));
        if (repartitioned.numberOfPartitions() != null) {
            graph.setRepartitionTopicPartitions(topic, repartitioned.numberOfPartitions());
        }
        String source = graph.newName("KSTREAM-SOURCE");
        graph.addSource(source, List.of(topic), true, k, v);
        return new KStream<>(graph, source, k, v, false);
    }

    public KStream<K, V> repartition() {
        return repartition(Repartitioned.with(null, null));
    }

    /** Writes the stream to a topic, partitioned by key hash (the producer's default). */
    public void to(String topic, Produced<K, V> produced) {
        graph.addSink(graph.newName("KSTREAM-SINK"), topic, false,
            produced.keySerde() != null ? produced.keySerde() : keySerde,
            produced.valueSerde() != null ? produced.valueSerde() : valueSerde, List.of(node));
    }

    public void to(String topic) {
        to(topic, Produced.with(null, null));
    }

    /**
     * Plugs in a custom processor with access to the named stores (added with
     * {@link StreamsBuilder#addStateStore}). Treated as possibly changing the key.
     */
    public <K2, V2> KStream<K2, V2> process(ProcessorSupplier<? super K, ? super V, K2, V2> supplier, String... storeNames) {
        String name = graph.newName("KSTREAM-PROCESSOR");
        graph.addProcessor(name, supplier, List.of(node));
        for (String s : storeNames) {
            graph.connect(name, s);
        }
        return new KStream<>(graph, name, null, null, true);
    }

    /**
     * The stream read as a changelog: each record upserts its key, a null value deletes it,
     * records with a null key are dropped. Goes through a repartition topic first if the key may
     * have changed. Kept in a store named by {@code materialized} (generated if unnamed).
     */
    public KTable<K, V> toTable(Materialized<K, V> materialized) {
        Serde<K> k = materialized.keySerde() != null ? materialized.keySerde() : keySerde;
        Serde<V> v = materialized.valueSerde() != null ? materialized.valueSerde() : valueSerde;
        String parent = repartitionedNode("KSTREAM-TOTABLE", materialized.storeName(), k, v);
        return KTable.fromUpdates(graph, parent, materialized, k, v, "KSTREAM-TOTABLE");
    }

    public KTable<K, V> toTable() {
        return toTable(Materialized.with(null, null));
    }

    /**
     * Inner join with a table on the key: each record whose key is in the table joins with the
     * table's current value; table updates do not trigger. Records with a null key or value are
     * dropped. Repartitions the stream first if its key may have changed; stream and table must
     * then be co-partitioned (checked at start).
     */
    public <VT, VR> KStream<K, VR> join(KTable<K, VT> table, ValueJoiner<? super V, ? super VT, ? extends VR> joiner) {
        return streamTableJoin(table, joiner, false);
    }

    /** Left join with a table: as {@link #join(KTable, ValueJoiner)}, with null for a missing row (and for a null key). */
    public <VT, VR> KStream<K, VR> leftJoin(KTable<K, VT> table, ValueJoiner<? super V, ? super VT, ? extends VR> joiner) {
        return streamTableJoin(table, joiner, true);
    }

    private <VT, VR> KStream<K, VR> streamTableJoin(KTable<K, VT> table, ValueJoiner<? super V, ? super VT, ? extends VR> joiner,
                                                    boolean left) {
        if (table.graph() != graph) {
            throw new IllegalArgumentException("join: the stream and the table come from different StreamsBuilders");
        }
        KTable<K, VT> view = table.materializedView();
        String parent = repartitionedNode("KSTREAM-JOIN", null, keySerde, valueSerde);
        String name = graph.newName(left ? "KSTREAM-LEFTJOIN" : "KSTREAM-JOIN");
        String store = view.queryableStoreName();
        graph.addProcessor(name, () -> new TableProcessors.StreamTableJoin<K, V, VT, VR>(store, joiner, left), List.of(parent), store);
        return new KStream<>(graph, name, keySerde, null, false);
    }

    /** This node, or (if the key may have changed) the source of a new repartition topic it writes. */
    private String repartitionedNode(String prefix, String name, Serde<K> k, Serde<V> v) {
        if (!repartitionRequired) {
            return node;
        }
        String topic = (name != null ? name : graph.newName(prefix)) + "-repartition";
        graph.addSink(graph.newName("KSTREAM-SINK"), topic, true, k, v, List.of(node));
        String source = graph.newName("KSTREAM-SOURCE");
        graph.addSource(source, List.of(topic), true, k, v);
        return source;
    }

    /** Groups by the current key; repartitions first if an earlier operator may have changed it. */
    public KGroupedStream<K, V> groupByKey(Grouped<K, V> grouped) {
        return new KGroupedStream<>(graph, node, grouped.name(),
            grouped.keySerde() != null ? grouped.keySerde() : keySerde,
            grouped.valueSerde() != null ? grouped.valueSerde() : valueSerde, repartitionRequired);
    }

    public KGroupedStream<K, V> groupByKey() {
        return groupByKey(new Grouped<>(null, null, null));
    }

    /** Groups by a new key (always through a repartition topic). */
    public <K2> KGroupedStream<K2, V> groupBy(KeyValueMapper<? super K, ? super V, K2> keySelector, Grouped<K2, V> grouped) {
        return selectKey(keySelector).groupByKey(grouped);
    }

    public <K2> KGroupedStream<K2, V> groupBy(KeyValueMapper<? super K, ? super V, K2> keySelector) {
        return groupBy(keySelector, new Grouped<>(null, null, null));
    }
}
