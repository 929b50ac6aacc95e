package io.riffle.processor;

import java.time.Duration;
import java.util.List;

import io.riffle.processor.api.Processor;
import io.riffle.processor.api.ProcessorContext;
import io.riffle.processor.api.Record;
import io.riffle.processor.state.Stores;
import io.riffle.processor.state.internal.TypedWindowStore;
import io.riffle.processor.state.internal.WindowStoreBuilder;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A grouped stream cut into time windows ({@link TimeWindows}), to be aggregated into a
 * {@code KTable<Windowed<K>, V>} kept in a window store. Build-time object; not thread-safe.
 */
public final class TimeWindowedKStream<K, V> {
    private static final long DEFAULT_RETENTION_MS = Duration.ofDays(1).toMillis();
    private final KGroupedStream<K, V> grouped;
    private final TimeWindows windows;

    TimeWindowedKStream(KGroupedStream<K, V> grouped, TimeWindows windows) {
        this.grouped = grouped;
        this.windows = windows;
    }

    public KTable<Windowed<K>, Long> count() {
        return count(Materialized.with(null, null));
    }

    /** Number of records per key and window. */
    public KTable<Windowed<K>, Long> count(Materialized<K, Long> materialized) {
        if (materialized.valueSerde() == null) {
            materialized.withValueSerde(Serdes.Long());
        }
        return aggregate(() -> 0L, (k, v, count) -> count + 1, materialized, "KSTREAM-WINDOWED-COUNT");
    }

    public KTable<Windowed<K>, V> reduce(Reducer<V> reducer) {
        return reduce(reducer, Materialized.with(null, null));
    }

    /** Combines the values of each key and window; the first value is the initial aggregate. */
    public KTable<Windowed<K>, V> reduce(Reducer<V> reducer, Materialized<K, V> materialized) {
        if (materialized.valueSerde() == null) {
            materialized.withValueSerde(grouped.valueSerde());
        }
        return aggregate(() -> null, (k, v, agg) -> agg == null ? v : reducer.apply(agg, v), materialized, "KSTREAM-WINDOWED-REDUCE");
    }

    public <VA> KTable<Windowed<K>, VA> aggregate(Initializer<VA> initializer, Aggregator<? super K, ? super V, VA> aggregator) {
        return aggregate(initializer, aggregator, Materialized.with(null, null));
    }

    /** Folds the values of each key and window into an aggregate, starting from {@code initializer}. */
    public <VA> KTable<Windowed<K>, VA> aggregate(Initializer<VA> initializer, Aggregator<? super K, ? super V, VA> aggregator,
                                                  Materialized<K, VA> materialized) {
        return aggregate(initializer, aggregator, materialized, "KSTREAM-WINDOWED-AGGREGATE");
    }

    private <VA> KTable<Windowed<K>, VA> aggregate(Initializer<VA> initializer, Aggregator<? super K, ? super V, VA> aggregator,
                                                   Materialized<K, VA> materialized, String prefix) {
        var graph = grouped.graph();
        String storeName = materialized.storeName() != null ? materialized.storeName() : graph.newName(prefix + "-STATE-STORE");
        Serde<K> keySerde = materialized.keySerde() != null ? materialized.keySerde() : grouped.keySerde();
        long retention = retentionMs(materialized.retention(), windows.sizeMs() + windows.gracePeriodMs(), storeName);
        String parent = grouped.aggregationInput(storeName);
        WindowStoreBuilder<K, VA, TypedWindowStore<K, VA>> store = Stores.persistentWindowStore(storeName,
            Duration.ofMillis(retention), Duration.ofMillis(windows.sizeMs()), keySerde, materialized.valueSerde());
        if (!materialized.loggingEnabled()) {
            store.withLoggingDisabled();
        }
        graph.addStateStore(store);
        String name = graph.newName(prefix);
        boolean caching = materialized.cachingEnabled();
        TimeWindows w = windows;
        graph.addProcessor(name, () -> new WindowAggregateProcessor<>(storeName, w, initializer, aggregator, caching), List.of(parent), storeName);
        Serde<Windowed<K>> windowedSerde = keySerde == null ? null : WindowedSerdes.timeWindowedSerdeFrom(keySerde, windows.sizeMs());
        return new KTable<>(graph, name, storeName, windowedSerde, materialized.valueSerde()).windowCloseDelay(windows.gracePeriodMs());
    }

    /** Retention: the user's (at least {@code minimum}), else max(1 day, minimum) — Kafka Streams' rule. */
    static long retentionMs(Duration requested, long minimum, String storeName) {
        if (requested == null) {
            return Math.max(DEFAULT_RETENTION_MS, minimum);
        }
        if (requested.toMillis() < minimum) {
            throw new IllegalArgumentException("store " + storeName + ": retention " + requested.toMillis()
                + " ms is shorter than window size + grace (" + minimum + " ms); windows would expire before they close");
        }
        return requested.toMillis();
    }

    /**
     * Adds the record to each of its windows that is still open (its end is after stream time
     * minus grace); records for closed windows are dropped, logged and counted. Sends updates
     * downstream once per window per commit (caching) or on every record.
     */
    private static final class WindowAggregateProcessor<K, V, VA> implements Processor<K, V, Windowed<K>, VA> {
        private static final Logger log = LoggerFactory.getLogger(WindowAggregateProcessor.class);
        private final String storeName;
        private final TimeWindows windows;
        private final Initializer<VA> initializer;
        private final Aggregator<? super K, ? super V, VA> aggregator;
        private final boolean caching;
        private ProcessorContext<Windowed<K>, VA> context;
        private TypedWindowStore<K, VA> store;
        private long droppedRecords;

        WindowAggregateProcessor(String storeName, TimeWindows windows, Initializer<VA> initializer,
                                 Aggregator<? super K, ? super V, VA> aggregator, boolean caching) {
            this.storeName = storeName;
            this.windows = windows;
            this.initializer = initializer;
            this.aggregator = aggregator;
            this.caching = caching;
        }

        @Override
        public void init(ProcessorContext<Windowed<K>, VA> ctx) {
            this.context = ctx;
            this.store = ctx.getStateStore(storeName);
            if (caching) {
                store.setFlushListener((window, value, timestamp) -> context.forward(new Record<>(window, value, timestamp)));
            }
        }

        @Override
        public void process(Record<K, V> record) {
            if (record.key() == null || record.value() == null) {
                return;
            }
            long closeTime = context.currentStreamTimeMs() - windows.gracePeriodMs();
            for (Window window : windows.windowsFor(record.timestamp())) {
                if (window.end() <= closeTime) {
                    droppedRecords++;
                    log.warn("task {} store {}: dropped a record for closed window [{}, {}) (timestamp {}, stream time {}, grace {} ms; {} dropped)",
                        context.taskId(), storeName, window.start(), window.end(), record.timestamp(),
                        context.currentStreamTimeMs(), windows.gracePeriodMs(), droppedRecords);
                    continue;
                }
                VA old = store.fetch(record.key(), window.start());
                VA updated = aggregator.apply(record.key(), record.value(), old == null ? initializer.apply() : old);
                store.put(record.key(), updated, window.start());
                if (!caching) {
                    context.forward(new Record<>(new Windowed<>(record.key(), window), updated, record.timestamp(), record.headers()));
                }
            }
        }
    }
}
