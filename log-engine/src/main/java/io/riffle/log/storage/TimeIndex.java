package io.riffle.log.storage;

import java.io.File;
import java.io.IOException;

/**
 * Maps timestamps to offsets in one segment: entries of (max timestamp so far as long,
 * offset − base as int), appended with the offset index when the segment's max timestamp has
 * grown. A lookup returns an offset from which a scan finds the first record at or after a time.
 *
 * <p>Thread-safety: see {@link AbstractIndex}.
 */
public final class TimeIndex extends AbstractIndex {
    static final int ENTRY_SIZE = 12;

    /** A timestamp and the offset of the first batch whose max timestamp reached it. */
    public record Entry(long timestamp, long offset) {
    }

    public TimeIndex(File file, long baseOffset, int maxIndexSize, boolean writable) throws IOException {
        super(file, baseOffset, maxIndexSize, writable, ENTRY_SIZE);
    }

    @Override
    protected long keyAt(int slot) {
        return buffer().getLong(slot * ENTRY_SIZE);
    }

    private long offsetAt(int slot) {
        return baseOffset + buffer().getInt(slot * ENTRY_SIZE + 8);
    }

    /** The entry with the greatest timestamp ≤ target: the scan starts there. (−1, base) if none. */
    public Entry lookup(long targetTimestamp) {
        int slot = largestLowerBound(targetTimestamp);
        if (slot < 0) {
            return new Entry(-1L, baseOffset);
        }
        return new Entry(keyAt(slot), offsetAt(slot));
    }

    public Entry lastEntry() {
        int n = entries;
        return n == 0 ? new Entry(-1L, baseOffset) : new Entry(keyAt(n - 1), offsetAt(n - 1));
    }

    /** Appends an entry if the timestamp is greater than the last one's. Caller holds the log's lock. */
    public void maybeAppend(long timestamp, long offset) {
        int n = entries;
        long relative = offset - baseOffset;
        if (timestamp <= 0 || relative < 0 || relative > Integer.MAX_VALUE || isFull()) {
            return;
        }
        if (n > 0 && (keyAt(n - 1) >= timestamp || baseOffset + buffer().getInt((n - 1) * ENTRY_SIZE + 8) > offset)) {
            return;
        }
        buffer().putLong(n * ENTRY_SIZE, timestamp);
        buffer().putInt(n * ENTRY_SIZE + 8, (int) relative);
        entries = n + 1;
    }

    /** Removes entries that point at offsets ≥ the given offset. */
    public void truncateTo(long offset) {
        int n = entries;
        int keep = n;
        while (keep > 0 && offsetAt(keep - 1) >= offset) {
            keep--;
        }
        if (keep < n) {
            truncateToEntries(keep);
        }
    }
}
