package io.riffle.processor;

import java.time.Duration;

/**
 * Sessions: records of a key closer than the inactivity gap fall in one session
 * {@code [first record, last record]} (both inclusive); a record that bridges two sessions
 * merges them. A session is closed once stream time passes its end + gap + grace. Immutable.
 */
public final class SessionWindows {
    private final long gapMs;
    private final long graceMs;

    private SessionWindows(long gapMs, long graceMs) {
        if (gapMs <= 0) {
            throw new IllegalArgumentException("inactivity gap must be positive, was " + gapMs + " ms");
        }
        if (graceMs < 0) {
            throw new IllegalArgumentException("grace period must not be negative, was " + graceMs + " ms");
        }
        this.gapMs = gapMs;
        this.graceMs = graceMs;
    }

    public static SessionWindows ofInactivityGapWithNoGrace(Duration gap) {
        return new SessionWindows(gap.toMillis(), 0);
    }

    public static SessionWindows ofInactivityGapAndGrace(Duration gap, Duration grace) {
        return new SessionWindows(gap.toMillis(), grace.toMillis());
    }

    public long inactivityGap() {
        return gapMs;
    }

    public long gracePeriodMs() {
        return graceMs;
    }
}
