package io.riffle.processor;

/**
 * A time interval of a windowed aggregation, in epoch milliseconds. For time and sliding
 * windows {@code end} is exclusive ({@code [start, end)}); for session windows both ends are
 * inclusive timestamps of the session's first and last record, as in Kafka Streams.
 */
public record Window(long start, long end) {
    public Window {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("window [" + start + ", " + end + "]: need 0 <= start <= end");
        }
    }

    public java.time.Instant startTime() {
        return java.time.Instant.ofEpochMilli(start);
    }

    public java.time.Instant endTime() {
        return java.time.Instant.ofEpochMilli(end);
    }
}
