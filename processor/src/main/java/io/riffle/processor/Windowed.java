package io.riffle.processor;

/** The key of a windowed aggregation's table: the grouping key and its window. */
public record Windowed<K>(K key, Window window) {
    @Override
    public String toString() {
        return "[" + key + "@" + window.start() + "/" + window.end() + "]";
    }
}
