package io.riffle.processor;

import java.util.List;
import java.util.function.Supplier;

import io.riffle.processor.internal.CompositeReadOnlyKeyValueStore;
import io.riffle.processor.state.ReadOnlyKeyValueStore;

/** The store kinds interactive queries can read. */
public final class QueryableStoreTypes {
    private QueryableStoreTypes() {
    }

    /** Key-value stores (aggregations, tables, materialized joins), read as {@link ReadOnlyKeyValueStore}. */
    public static <K, V> QueryableStoreType<ReadOnlyKeyValueStore<K, V>> keyValueStore() {
        return new QueryableStoreType<>() {
            @Override
            public boolean accepts(Object view) {
                return view instanceof ReadOnlyKeyValueStore<?, ?>;
            }

            @Override
            @SuppressWarnings({"unchecked", "rawtypes"})
            public ReadOnlyKeyValueStore<K, V> compose(String storeName, Supplier<List<ReadOnlyKeyValueStore<?, ?>>> views) {
                return new CompositeReadOnlyKeyValueStore<>(storeName, (Supplier) views);
            }
        };
    }
}
