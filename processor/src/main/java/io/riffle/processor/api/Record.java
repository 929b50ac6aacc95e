package io.riffle.processor.api;

import java.util.Objects;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One record flowing through a topology: key, value, event timestamp (ms) and headers.
 * Immutable apart from the headers, which are shared with the record it was derived from
 * (as in Kafka Streams); copy them with {@code new RecordHeaders(headers.toArray())} to diverge.
 */
public record Record<K, V>(K key, V value, long timestamp, Headers headers) {
    public Record {
        Objects.requireNonNull(headers, "headers");
        if (timestamp < 0) {
            throw new IllegalArgumentException("timestamp must be >= 0, was " + timestamp);
        }
    }

    public Record(K key, V value, long timestamp) {
        this(key, value, timestamp, new RecordHeaders());
    }

    public <K2> Record<K2, V> withKey(K2 newKey) {
        return new Record<>(newKey, value, timestamp, headers);
    }

    public <V2> Record<K, V2> withValue(V2 newValue) {
        return new Record<>(key, newValue, timestamp, headers);
    }

    public Record<K, V> withTimestamp(long newTimestamp) {
        return new Record<>(key, value, newTimestamp, headers);
    }
}
