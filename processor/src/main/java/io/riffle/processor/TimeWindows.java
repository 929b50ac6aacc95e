package io.riffle.processor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Fixed-size windows {@code [start, start + size)} aligned to the epoch: tumbling (advance =
 * size) or hopping ({@link #advanceBy}, advance < size, so a record falls in several windows).
 * A record is dropped once the task's stream time has reached its window's end + grace.
 * Immutable.
 */
public final class TimeWindows {
    private final long sizeMs;
    private final long advanceMs;
    private final long graceMs;

    private TimeWindows(long sizeMs, long advanceMs, long graceMs) {
        if (sizeMs <= 0) {
            throw new IllegalArgumentException("window size must be positive, was " + sizeMs + " ms");
        }
        if (advanceMs <= 0 || advanceMs > sizeMs) {
            throw new IllegalArgumentException("window advance must be in (0, size=" + sizeMs + "] ms, was " + advanceMs + " ms");
        }
        if (graceMs < 0) {
            throw new IllegalArgumentException("grace period must not be negative, was " + graceMs + " ms");
        }
        this.sizeMs = sizeMs;
        this.advanceMs = advanceMs;
        this.graceMs = graceMs;
    }

    /** Tumbling windows of {@code size}; a late record (window already ended) is dropped. */
    public static TimeWindows ofSizeWithNoGrace(Duration size) {
        return new TimeWindows(size.toMillis(), size.toMillis(), 0);
    }

    /** Tumbling windows of {@code size} accepting records up to {@code grace} after the window end. */
    public static TimeWindows ofSizeAndGrace(Duration size, Duration grace) {
        return new TimeWindows(size.toMillis(), size.toMillis(), grace.toMillis());
    }

    /** Hopping windows: a new window every {@code advance}. */
    public TimeWindows advanceBy(Duration advance) {
        return new TimeWindows(sizeMs, advance.toMillis(), graceMs);
    }

    public long sizeMs() {
        return sizeMs;
    }

    public long advanceMs() {
        return advanceMs;
    }

    public long gracePeriodMs() {
        return graceMs;
    }

    /** The windows containing {@code timestamp}, by start (Kafka Streams' {@code windowsFor}). */
    public List<Window> windowsFor(long timestamp) {
        List<Window> windows = new ArrayList<>();
        long start = Math.max(0, timestamp - sizeMs + advanceMs) / advanceMs * advanceMs;
        for (; start <= timestamp; start += advanceMs) {
            windows.add(new Window(start, start + sizeMs));
        }
        return windows;
    }
}
