package io.riffle.processor;

import java.util.List;

import io.riffle.processor.state.ReadOnlyKeyValueStore;

/** The read-only view an interactive query gets of a store kind; obtain one from {@link QueryableStoreTypes}. */
public interface QueryableStoreType<T> {
    /** Whether {@code view} (one task's committed view of the store) is of this kind. */
    boolean accepts(Object view);

    /** One view over the views of all local tasks. */
    T compose(String storeName, java.util.function.Supplier<List<ReadOnlyKeyValueStore<?, ?>>> views);
}
