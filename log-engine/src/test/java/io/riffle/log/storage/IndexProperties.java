package io.riffle.log.storage;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Offset and time index lookups agree with a sorted-map model: the greatest entry at or below
 * the target, or the index's "none" answer — while writable, after trimming, and reopened.
 */
class IndexProperties {

    @Property(tries = 100)
    void offsetIndexLookupIsTheGreatestEntryAtOrBelow(
            @ForAll @LongRange(min = 0, max = 1L << 40) long baseOffset,
            @ForAll @Size(max = 200) List<@IntRange(min = 1, max = 50) Integer> offsetSteps,
            @ForAll @Size(max = 200) List<@IntRange(min = 1, max = 5000) Integer> positionSteps,
            @ForAll @Size(min = 1, max = 50) List<@IntRange(min = -5, max = 12_000) Integer> targets) throws Exception {
        Path dir = RandomBatches.tempDir();
        try {
            File file = dir.resolve(LogSegment.fileName(baseOffset, LogSegment.INDEX_SUFFIX)).toFile();
            TreeMap<Long, Integer> model = new TreeMap<>();
            long offset = baseOffset;
            int position = 0;
            OffsetIndex index = new OffsetIndex(file, baseOffset, 4096, true);
            int n = Math.min(offsetSteps.size(), positionSteps.size());
            for (int i = 0; i < n; i++) {
                offset += offsetSteps.get(i);
                position += positionSteps.get(i);
                index.append(offset, position);
                if (model.size() < 4096 / OffsetIndex.ENTRY_SIZE) {
                    model.put(offset, position);
                }
            }
            checkOffsets(index, model, baseOffset, targets);
            index.trimToValidSize();
            checkOffsets(index, model, baseOffset, targets);
            index.close();
            OffsetIndex reopened = new OffsetIndex(file, baseOffset, 4096, false);
            checkOffsets(reopened, model, baseOffset, targets);
            reopened.close();
        } finally {
            RandomBatches.deleteRecursively(dir);
        }
    }

    private static void checkOffsets(OffsetIndex index, TreeMap<Long, Integer> model, long base, List<Integer> targets) {
        assertEquals(model.size(), index.entries());
        for (int t : targets) {
            long target = base + t;
            Map.Entry<Long, Integer> floor = model.floorEntry(target);
            OffsetIndex.Position expected = floor == null ? new OffsetIndex.Position(base, 0)
                    : new OffsetIndex.Position(floor.getKey(), floor.getValue());
            assertEquals(expected, index.lookup(target), "lookup " + target);
        }
    }

    @Property(tries = 100)
    void timeIndexLookupIsTheGreatestEntryAtOrBelow(
            @ForAll @LongRange(min = 0, max = 1L << 40) long baseOffset,
            @ForAll @Size(max = 200) List<@IntRange(min = 0, max = 30) Integer> timestampSteps,
            @ForAll @Size(max = 200) List<@IntRange(min = 0, max = 20) Integer> offsetSteps,
            @ForAll @Size(min = 1, max = 50) List<@IntRange(min = -5, max = 7_000) Integer> targets) throws Exception {
        Path dir = RandomBatches.tempDir();
        long startTs = RandomBatches.START;
        try {
            File file = dir.resolve(LogSegment.fileName(baseOffset, LogSegment.TIME_INDEX_SUFFIX)).toFile();
            TreeMap<Long, Long> model = new TreeMap<>();
            long timestamp = startTs;
            long offset = baseOffset;
            TimeIndex index = new TimeIndex(file, baseOffset, 4096, true);
            int n = Math.min(timestampSteps.size(), offsetSteps.size());
            for (int i = 0; i < n; i++) {
                timestamp += timestampSteps.get(i);
                offset += offsetSteps.get(i);
                index.maybeAppend(timestamp, offset);
                // the model of maybeAppend: only strictly greater timestamps, offsets never going back, while not full
                boolean newer = model.isEmpty() || (timestamp > model.lastKey() && offset >= model.lastEntry().getValue());
                if (newer && model.size() < 4096 / TimeIndex.ENTRY_SIZE) {
                    model.put(timestamp, offset);
                }
            }
            checkTimes(index, model, baseOffset, startTs, targets);
            index.trimToValidSize();
            checkTimes(index, model, baseOffset, startTs, targets);
            index.close();
            TimeIndex reopened = new TimeIndex(file, baseOffset, 4096, false);
            checkTimes(reopened, model, baseOffset, startTs, targets);
            reopened.close();
        } finally {
            RandomBatches.deleteRecursively(dir);
        }
    }

    private static void checkTimes(TimeIndex index, TreeMap<Long, Long> model, long base, long startTs,
                                   List<Integer> targets) {
        assertEquals(model.size(), index.entries());
        for (int t : targets) {
            long target = startTs + t;
            Map.Entry<Long, Long> floor = model.floorEntry(target);
            TimeIndex.Entry expected = floor == null ? new TimeIndex.Entry(-1L, base)
                    : new TimeIndex.Entry(floor.getKey(), floor.getValue());
            assertEquals(expected, index.lookup(target), "lookup " + target);
        }
    }
}
