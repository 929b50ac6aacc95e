package io.riffle.log.storage;

import java.io.File;
import java.io.IOException;

/**
 * Maps offsets to file positions in one segment: entries of (offset − base as int, position
 * as int), one per {@code index.interval.bytes} appended. A lookup returns the greatest entry
 * at or below the target; the segment is scanned from there.
 *
 * <p>Thread-safety: see {@link AbstractIndex}.
 */
public final class OffsetIndex extends AbstractIndex {
    static final int ENTRY_SIZE = 8;

    /** An offset and the file position of the batch that holds it. */
    public record Position(long offset, int position) {
    }

    public OffsetIndex(File file, long baseOffset, int maxIndexSize, boolean writable) throws IOException {
        super(file, baseOffset, maxIndexSize, writable, ENTRY_SIZE);
    }

    @Override
    protected long keyAt(int slot) {
        return buffer().getInt(slot * ENTRY_SIZE);
    }

    private int positionAt(int slot) {
        return buffer().getInt(slot * ENTRY_SIZE + 4);
    }

    /** The greatest indexed offset ≤ target and its position; (base, 0) when there is none. */
    public Position lookup(long targetOffset) {
        int slot = largestLowerBound(targetOffset - baseOffset);
        if (slot < 0) {
            return new Position(baseOffset, 0);
        }
        return new Position(baseOffset + keyAt(slot), positionAt(slot));
    }

    /** The position of the first indexed batch at or after this file position, or -1. */
    public Position lastEntry() {
        int n = entries;
        return n == 0 ? new Position(baseOffset, 0) : new Position(baseOffset + keyAt(n - 1), positionAt(n - 1));
    }

    /** Appends an entry; offsets must increase. Caller holds the log's lock. */
    public void append(long offset, int position) {
        long relative = offset - baseOffset;
        if (relative <= 0 || relative > Integer.MAX_VALUE) {
            return; // never index the base itself (the implicit first entry) nor out-of-range offsets
        }
        int n = entries;
        if (n > 0 && keyAt(n - 1) >= relative) {
            return;
        }
        if (isFull()) {
            return;
        }
        buffer().putInt(n * ENTRY_SIZE, (int) relative);
        buffer().putInt(n * ENTRY_SIZE + 4, position);
        entries = n + 1;
    }

    /** Removes entries for offsets ≥ the given offset. */
    public void truncateTo(long offset) {
        truncateToKey(offset - baseOffset);
    }
}
