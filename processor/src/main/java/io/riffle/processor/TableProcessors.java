package io.riffle.processor;

import io.riffle.processor.api.Processor;
import io.riffle.processor.api.ProcessorContext;
import io.riffle.processor.api.Record;
import io.riffle.processor.state.KeyValueStore;
import io.riffle.processor.state.ReadOnlyKeyValueStore;
import io.riffle.processor.state.internal.TypedKeyValueStore;

/**
 * The processors behind tables and joins: materializing a changelog stream into a store, and
 * the lookups of stream-table and table-table joins.
 *
 * <h2>Join semantics (those of Kafka Streams)</h2>
 * A join is computed by looking up the other side's store at the time an update arrives
 * (processing time). Stream-table: only stream records trigger, table updates do not; a
 * stream record with a null value is ignored, one with a null key is dropped by the inner join
 * and joined with null by the left join. Table-table: an update of either side triggers a
 * lookup of the other; a row that no longer joins goes downstream as a tombstone:
 * <pre>
 *            this side update v (v == null: tombstone), other side's current value o
 *  inner     o == null: nothing;        else v == null ? tombstone : joiner(v, o)
 *  left      this = left:  v == null ? tombstone : joiner(v, o)
 *            this = right: left l == null: nothing; else joiner(l, v)   (v may be null)
 *  outer     v == null and o == null: tombstone; else joiner(v or null, o or null)
 * </pre>
 * Results carry the timestamp of the update that triggered them (Kafka Streams takes the
 * larger of both sides' timestamps for table-table joins; Riffle's stores keep no timestamps).
 *
 * <p>Instances are created per task and owned by its stream thread.
 */
final class TableProcessors {
    private TableProcessors() {
    }

    /** Which rows a table-table join keeps. */
    enum JoinKind { INNER, LEFT, OUTER }

    /**
     * Writes each update into a store (tombstone = delete) and forwards it: at once without
     * caching, or once per key per commit through the store's flush listener with caching.
     * Records with a null key are dropped (a table row needs a key).
     */
    static final class Materializer<K, V> implements Processor<K, V, K, V> {
        private final String storeName;
        private final boolean caching;
        private ProcessorContext<K, V> context;
        private KeyValueStore<K, V> store;

        Materializer(String storeName, boolean caching) {
            this.storeName = storeName;
            this.caching = caching;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void init(ProcessorContext<K, V> ctx) {
            this.context = ctx;
            this.store = ctx.getStateStore(storeName);
            if (caching && store instanceof TypedKeyValueStore<?, ?> typed) {
                ((TypedKeyValueStore<K, V>) typed).setFlushListener(
                    (key, value, timestamp) -> context.forward(new Record<>(key, value, timestamp)));
            }
        }

        @Override
        public void process(Record<K, V> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), record.value());
            }
            if (!caching) {
                context.forward(record);
            }
        }
    }

    /** Stream side of a stream-table join: looks each record's key up in the table's store. */
    static final class StreamTableJoin<K, V, VT, VR> implements Processor<K, V, K, VR> {
        private final String tableStore;
        private final ValueJoiner<? super V, ? super VT, ? extends VR> joiner;
        private final boolean left;
        private ProcessorContext<K, VR> context;
        private ReadOnlyKeyValueStore<K, VT> table;

        StreamTableJoin(String tableStore, ValueJoiner<? super V, ? super VT, ? extends VR> joiner, boolean left) {
            this.tableStore = tableStore;
            this.joiner = joiner;
            this.left = left;
        }

        @Override
        public void init(ProcessorContext<K, VR> ctx) {
            this.context = ctx;
            this.table = ctx.getStateStore(tableStore);
        }

        @Override
        public void process(Record<K, V> record) {
            if (record.value() == null) {
                return;
            }
            VT other = record.key() == null ? null : table.get(record.key());
            if (other == null && !left) {
                return;
            }
            context.forward(record.<VR>withValue(joiner.apply(record.value(), other)));
        }
    }

    /**
     * One side of a table-table join: an update of this side looked up in the other side's store.
     * {@code thisIsLeft} tells which argument of the joiner this side's value is.
     */
    static final class TableTableJoin<K, V, VO, VR> implements Processor<K, V, K, VR> {
        private final String otherStore;
        private final ValueJoiner<Object, Object, ? extends VR> joiner;
        private final JoinKind kind;
        private final boolean thisIsLeft;
        private ProcessorContext<K, VR> context;
        private ReadOnlyKeyValueStore<K, VO> other;

        TableTableJoin(String otherStore, ValueJoiner<Object, Object, ? extends VR> joiner, JoinKind kind, boolean thisIsLeft) {
            this.otherStore = otherStore;
            this.joiner = joiner;
            this.kind = kind;
            this.thisIsLeft = thisIsLeft;
        }

        @Override
        public void init(ProcessorContext<K, VR> ctx) {
            this.context = ctx;
            this.other = ctx.getStateStore(otherStore);
        }

        @Override
        public void process(Record<K, V> record) {
            if (record.key() == null) {
                return;
            }
            V mine = record.value();
            VO theirs = other.get(record.key());
            boolean keepMine = kind == JoinKind.OUTER || (kind == JoinKind.LEFT && thisIsLeft);
            boolean keepTheirs = kind == JoinKind.OUTER || (kind == JoinKind.LEFT && !thisIsLeft);
            if (theirs == null && !keepMine) {
                return; // no row on the other side that this side's rows must keep or remove
            }
            VR result;
            if (mine == null && (theirs == null || !keepTheirs)) {
                result = null; // the joined row is gone
            } else {
                result = thisIsLeft ? joiner.apply(mine, theirs) : joiner.apply(theirs, mine);
            }
            context.forward(record.<VR>withValue(result));
        }
    }

    /** Forwards whatever it receives (joins both sides' results into one node). */
    static final class PassThrough<K, V> implements Processor<K, V, K, V> {
        private ProcessorContext<K, V> context;

        @Override
        public void init(ProcessorContext<K, V> ctx) {
            this.context = ctx;
        }

        @Override
        public void process(Record<K, V> record) {
            context.forward(record);
        }
    }
}
