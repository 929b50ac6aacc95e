package io.riffle.processor;

import java.util.List;

import io.riffle.processor.api.Processor;
import io.riffle.processor.api.ProcessorContext;
import io.riffle.processor.api.Record;
import io.riffle.processor.internal.TopologyBuilder;
import io.riffle.processor.state.KeyValueStore;
import io.riffle.processor.state.Stores;
import io.riffle.processor.state.internal.KeyValueStoreBuilder;
import io.riffle.processor.state.internal.TypedKeyValueStore;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * A stream grouped by key, to be aggregated into a {@link KTable} kept in a RocksDB store.
 * Records with a null key are dropped (they belong to no group). If the key may have changed
 * upstream, records first go through the repartition topic
 * {@code <application.id>-<name>-repartition}, so that all records of a key meet in one task.
 */
public final class KGroupedStream<K, V> {
    private final TopologyBuilder graph;
    private final String node;
    private final String groupName;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private final boolean repartitionRequired;

    KGroupedStream(TopologyBuilder graph, String node, String groupName, Serde<K> keySerde, Serde<V> valueSerde,
                   boolean repartitionRequired) {
        this.graph = graph;
        this.node = node;
        this.groupName = groupName;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.repartitionRequired = repartitionRequired;
    }

    /** Number of records per key. */
    public KTable<K, Long> count(Materialized<K, Long> materialized) {
        if (materialized.valueSerde() == null) {
            materialized.withValueSerde(Serdes.Long());
        }
        return aggregate(() -> 0L, (k, v, count) -> count + 1, materialized, "KSTREAM-COUNT");
    }

    public KTable<K, Long> count() {
        return count(Materialized.with(null, null));
    }

    /** Combines the values of each key; the first value is the initial aggregate. */
    public KTable<K, V> reduce(Reducer<V> reducer, Materialized<K, V> materialized) {
        if (materialized.valueSerde() == null) {
            materialized.withValueSerde(valueSerde);
        }
        return aggregate(() -> null, (k, v, agg) -> agg == null ? v : reducer.apply(agg, v), materialized, "KSTREAM-REDUCE");
    }

    public KTable<K, V> reduce(Reducer<V> reducer) {
        return reduce(reducer, Materialized.with(null, null));
    }

    /** Folds the values of each key into an aggregate, starting from {@code initializer}. */
    public <VA> KTable<K, VA> aggregate(Initializer<VA> initializer, Aggregator<? super K, ? super V, VA> aggregator,
                                        Materialized<K, VA> materialized) {
        return aggregate(initializer, aggregator, materialized, "KSTREAM-AGGREGATE");
    }

    private <VA> KTable<K, VA> aggregate(Initializer<VA> initializer, Aggregator<? super K, ? super V, VA> aggregator,
                                         Materialized<K, VA> materialized, String prefix) {
        String storeName = materialized.storeName() != null ? materialized.storeName() : graph.newName(prefix + "-STATE-STORE");
        Serde<K> storeKeySerde = materialized.keySerde() != null ? materialized.keySerde() : keySerde;
        String parent = node;
        if (repartitionRequired) {
            String topic = (groupName != null ? groupName : storeName) + "-repartition";
            String sink = graph.newName("KSTREAM-SINK");
            graph.addSink(sink, topic, true, keySerde, valueSerde, List.of(node));
            parent = graph.newName("KSTREAM-SOURCE");
            graph.addSource(parent, List.of(topic), true, keySerde, valueSerde);
        }
        KeyValueStoreBuilder<K, VA> store = Stores.persistentKeyValueStore(storeName, storeKeySerde, materialized.valueSerde());
        if (!materialized.loggingEnabled()) {
            store.withLoggingDisabled();
        }
        graph.addStateStore(store);
        String name = graph.newName(prefix);
        boolean caching = materialized.cachingEnabled();
        graph.addProcessor(name, () -> new AggregateProcessor<>(storeName, initializer, aggregator, caching), List.of(parent), storeName);
        return new KTable<>(graph, name, storeName, storeKeySerde, materialized.valueSerde());
    }

    /** Aggregates per key and time window (tumbling or hopping). */
    public TimeWindowedKStream<K, V> windowedBy(TimeWindows windows) {
        return new TimeWindowedKStream<>(this, windows);
    }

    /** Aggregates per key and session. */
    public SessionWindowedKStream<K, V> windowedBy(SessionWindows windows) {
        return new SessionWindowedKStream<>(this, windows);
    }

    TopologyBuilder graph() {
        return graph;
    }

    Serde<K> keySerde() {
        return keySerde;
    }

    Serde<V> valueSerde() {
        return valueSerde;
    }

    /** The node an aggregation with store {@code storeName} reads from: a repartition topic's source if the key may have changed. */
    String aggregationInput(String storeName) {
        if (!repartitionRequired) {
            return node;
        }
        String topic = (groupName != null ? groupName : storeName) + "-repartition";
        String sink = graph.newName("KSTREAM-SINK");
        graph.addSink(sink, topic, true, keySerde, valueSerde, List.of(node));
        String source = graph.newName("KSTREAM-SOURCE");
        graph.addSource(source, List.of(topic), true, keySerde, valueSerde);
        return source;
    }

    /**
     * Updates the aggregate of the record's key in the store and sends the new aggregate
     * downstream: once per key per commit through the store's flush listener when caching is on,
     * else on every record.
     */
    private static final class AggregateProcessor<K, V, VA> implements Processor<K, V, K, VA> {
        private final String storeName;
        private final Initializer<VA> initializer;
        private final Aggregator<? super K, ? super V, VA> aggregator;
        private final boolean caching;
        private ProcessorContext<K, VA> context;
        private KeyValueStore<K, VA> store;

        AggregateProcessor(String storeName, Initializer<VA> initializer, Aggregator<? super K, ? super V, VA> aggregator, boolean caching) {
            this.storeName = storeName;
            this.initializer = initializer;
            this.aggregator = aggregator;
            this.caching = caching;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void init(ProcessorContext<K, VA> ctx) {
            this.context = ctx;
            this.store = ctx.getStateStore(storeName);
            if (caching && store instanceof TypedKeyValueStore<?, ?> typed) {
                ((TypedKeyValueStore<K, VA>) typed).setFlushListener(
                    (key, value, timestamp) -> context.forward(new Record<>(key, value, timestamp)));
            }
        }

        @Override
        public void process(Record<K, V> record) {
            if (record.key() == null || record.value() == null) {
                return; // as Kafka Streams: no group for a null key; a null value is not an update
            }
            VA old = store.get(record.key());
            VA updated = aggregator.apply(record.key(), record.value(), old == null ? initializer.apply() : old);
            store.put(record.key(), updated);
            if (!caching) {
                context.forward(record.withValue(updated));
            }
        }
    }
}
