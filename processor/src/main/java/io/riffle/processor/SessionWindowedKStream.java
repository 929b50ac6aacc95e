package io.riffle.processor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.riffle.processor.api.Processor;
import io.riffle.processor.api.ProcessorContext;
import io.riffle.processor.api.Record;
import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.Stores;
import io.riffle.processor.state.internal.TypedSessionStore;
import io.riffle.processor.state.internal.WindowStoreBuilder;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A grouped stream cut into sessions ({@link SessionWindows}), to be aggregated into a
 * {@code KTable<Windowed<K>, V>} kept in a session store. When a record merges sessions, the
 * merged-away sessions are sent downstream as tombstones (null values) and the merged session
 * with its new aggregate. Build-time object; not thread-safe.
 */
public final class SessionWindowedKStream<K, V> {
    private final KGroupedStream<K, V> grouped;
    private final SessionWindows windows;

    SessionWindowedKStream(KGroupedStream<K, V> grouped, SessionWindows windows) {
        this.grouped = grouped;
        this.windows = windows;
    }

    public KTable<Windowed<K>, Long> count() {
        return count(Materialized.with(null, null));
    }

    public KTable<Windowed<K>, Long> count(Materialized<K, Long> materialized) {
        if (materialized.valueSerde() == null) {
            materialized.withValueSerde(Serdes.Long());
        }
        return aggregate(() -> 0L, (k, v, count) -> count + 1, (k, a, b) -> a + b, materialized, "KSTREAM-SESSION-COUNT");
    }

    public KTable<Windowed<K>, V> reduce(Reducer<V> reducer) {
        return reduce(reducer, Materialized.with(null, null));
    }

    public KTable<Windowed<K>, V> reduce(Reducer<V> reducer, Materialized<K, V> materialized) {
        if (materialized.valueSerde() == null) {
            materialized.withValueSerde(grouped.valueSerde());
        }
        return aggregate(() -> null, (k, v, agg) -> agg == null ? v : reducer.apply(agg, v),
            (k, a, b) -> a == null ? b : b == null ? a : reducer.apply(a, b), materialized, "KSTREAM-SESSION-REDUCE");
    }

    public <VA> KTable<Windowed<K>, VA> aggregate(Initializer<VA> initializer, Aggregator<? super K, ? super V, VA> aggregator,
                                                  Merger<? super K, VA> merger) {
        return aggregate(initializer, aggregator, merger, Materialized.with(null, null));
    }

    /** {@code merger} combines the aggregates of sessions that a new record joins together. */
    public <VA> KTable<Windowed<K>, VA> aggregate(Initializer<VA> initializer, Aggregator<? super K, ? super V, VA> aggregator,
                                                  Merger<? super K, VA> merger, Materialized<K, VA> materialized) {
        return aggregate(initializer, aggregator, merger, materialized, "KSTREAM-SESSION-AGGREGATE");
    }

    private <VA> KTable<Windowed<K>, VA> aggregate(Initializer<VA> initializer, Aggregator<? super K, ? super V, VA> aggregator,
                                                   Merger<? super K, VA> merger, Materialized<K, VA> materialized, String prefix) {
        var graph = grouped.graph();
        String storeName = materialized.storeName() != null ? materialized.storeName() : graph.newName(prefix + "-STATE-STORE");
        Serde<K> keySerde = materialized.keySerde() != null ? materialized.keySerde() : grouped.keySerde();
        long retention = TimeWindowedKStream.retentionMs(materialized.retention(), windows.inactivityGap() + windows.gracePeriodMs(), storeName);
        String parent = grouped.aggregationInput(storeName);
        WindowStoreBuilder<K, VA, TypedSessionStore<K, VA>> store = Stores.persistentSessionStore(storeName,
            Duration.ofMillis(retention), keySerde, materialized.valueSerde());
        if (!materialized.loggingEnabled()) {
            store.withLoggingDisabled();
        }
        graph.addStateStore(store);
        String name = graph.newName(prefix);
        boolean caching = materialized.cachingEnabled();
        SessionWindows w = windows;
        graph.addProcessor(name, () -> new SessionAggregateProcessor<>(storeName, w, initializer, aggregator, merger, caching),
            List.of(parent), storeName);
        Serde<Windowed<K>> windowedSerde = keySerde == null ? null : WindowedSerdes.sessionWindowedSerdeFrom(keySerde);
        return new KTable<>(graph, name, storeName, windowedSerde, materialized.valueSerde())
            .windowCloseDelay(windows.inactivityGap() + windows.gracePeriodMs());
    }

    /**
     * Kafka Streams' session aggregation: find the sessions of the key within one gap of the
     * record, merge them with the record into one session, unless that session is already
     * closed (end before stream time - gap - grace), in which case the record is dropped.
     */
    private static final class SessionAggregateProcessor<K, V, VA> implements Processor<K, V, Windowed<K>, VA> {
        private static final Logger log = LoggerFactory.getLogger(SessionAggregateProcessor.class);
        private final String storeName;
        private final SessionWindows windows;
        private final Initializer<VA> initializer;
        private final Aggregator<? super K, ? super V, VA> aggregator;
        private final Merger<? super K, VA> merger;
        private final boolean caching;
        private ProcessorContext<Windowed<K>, VA> context;
        private TypedSessionStore<K, VA> store;
        private long droppedRecords;

        SessionAggregateProcessor(String storeName, SessionWindows windows, Initializer<VA> initializer,
                                  Aggregator<? super K, ? super V, VA> aggregator, Merger<? super K, VA> merger, boolean caching) {
            this.storeName = storeName;
            this.windows = windows;
            this.initializer = initializer;
            this.aggregator = aggregator;
            this.merger = merger;
            this.caching = caching;
        }

        @Override
        public void init(ProcessorContext<Windowed<K>, VA> ctx) {
            this.context = ctx;
            this.store = ctx.getStateStore(storeName);
            if (caching) {
                store.setFlushListener((session, value, timestamp) -> context.forward(new Record<>(session, value, timestamp)));
            }
        }

        @Override
        public void process(Record<K, V> record) {
            if (record.key() == null || record.value() == null) {
                return;
            }
            long ts = record.timestamp();
            long closeTime = context.currentStreamTimeMs() - windows.gracePeriodMs() - windows.inactivityGap();
            long start = ts;
            long end = ts;
            VA aggregate = initializer.apply();
            List<KeyValue<Windowed<K>, VA>> merged = new ArrayList<>();
            try (KeyValueIterator<Windowed<K>, VA> it = store.findSessions(record.key(), ts - windows.inactivityGap(), ts + windows.inactivityGap())) {
                while (it.hasNext()) {
                    KeyValue<Windowed<K>, VA> session = it.next();
                    merged.add(session);
                    aggregate = merger.apply(record.key(), aggregate, session.value());
                    start = Math.min(start, session.key().window().start());
                    end = Math.max(end, session.key().window().end());
                }
            }
            if (end < closeTime) {
                droppedRecords++;
                log.warn("task {} store {}: dropped a record for closed session [{}, {}] (timestamp {}, stream time {}; {} dropped)",
                    context.taskId(), storeName, start, end, ts, context.currentStreamTimeMs(), droppedRecords);
                return;
            }
            Window window = new Window(start, end);
            for (KeyValue<Windowed<K>, VA> session : merged) {
                if (!session.key().window().equals(window)) {
                    store.remove(session.key());
                    if (!caching) {
                        context.forward(new Record<>(session.key(), (VA) null, ts, record.headers()));
                    }
                }
            }
            aggregate = aggregator.apply(record.key(), record.value(), aggregate);
            Windowed<K> key = new Windowed<>(record.key(), window);
            store.put(key, aggregate);
            if (!caching) {
                context.forward(new Record<>(key, aggregate, ts, record.headers()));
            }
        }
    }
}
