package io.riffle.processor.state;

import java.util.Iterator;

import io.riffle.processor.KeyValue;

/** An iterator over store entries that holds native resources: always close it. */
public interface KeyValueIterator<K, V> extends Iterator<KeyValue<K, V>>, AutoCloseable {
    @Override
    void close();
}
