package io.riffle.processor;

/** Which store an interactive query reads, and as what: {@code fromNameAndType("counts", QueryableStoreTypes.keyValueStore())}. */
public record StoreQueryParameters<T>(String storeName, QueryableStoreType<T> queryableStoreType) {
    public static <T> StoreQueryParameters<T> fromNameAndType(String storeName, QueryableStoreType<T> type) {
        return new StoreQueryParameters<>(storeName, type);
    }
}
