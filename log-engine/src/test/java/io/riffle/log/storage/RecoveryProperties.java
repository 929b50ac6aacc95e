package io.riffle.log.storage;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.riffle.log.config.LogConfig;
import io.riffle.log.storage.LogStorageProperties.Appended;
import io.riffle.log.storage.RandomBatches.BatchSpec;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recovery after a crash: the tail of the last segment is torn at a random byte, or a random
 * CRC-covered byte of its last batch flipped; an unclean reopen must keep every batch wholly
 * before the damage, serve nothing after it, end the log there, index what it kept correctly,
 * and append after it.
 *
 * <p>Flips are limited to the bytes from the magic byte on: a batch's base offset, length and
 * partition leader epoch are not covered by its CRC, in Kafka's format as in ours, so damage
 * there is not detectable by a checksum.
 */
class RecoveryProperties {
    private static final int MAGIC_OFFSET = 16;

    @Provide
    Arbitrary<List<BatchSpec>> batchLists() {
        return RandomBatches.batches().list().ofMinSize(1).ofMaxSize(25);
    }

    @Property(tries = 60)
    void uncleanReopenKeepsExactlyTheIntactPrefix(@ForAll("batchLists") List<BatchSpec> batches,
                                                  @ForAll @IntRange(min = 1024, max = 6000) int segmentBytes,
                                                  @ForAll @IntRange(min = 0, max = 400) int indexIntervalBytes,
                                                  @ForAll boolean tear,
                                                  @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double where,
                                                  @ForAll boolean loseRecoveryPoint) throws Exception {
        Path dir = RandomBatches.tempDir();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        ManualTime time = new ManualTime(RandomBatches.START);
        LogConfig config = TestLogs.config("segment.bytes", Integer.toString(segmentBytes),
                "index.interval.bytes", Integer.toString(indexIntervalBytes));
        try {
            List<Appended> appended = new ArrayList<>();
            PartitionLog log = PartitionLog.open(dir, TestLogs.TP, config, true, time, scheduler, StorageFaults.NONE);
            for (BatchSpec spec : batches) {
                MemoryRecords records = spec.build();
                AppendResult result = log.appendAsLeader(records, 1);
                assertEquals(Errors.NONE, result.error(), result.errorMessage());
                appended.add(new Appended(result.firstOffset(), result.lastOffset(), RandomBatches.bytesOf(records)));
            }
            LogSegment last = log.segments().stream().reduce((a, b) -> b).orElseThrow();
            long lastBase = last.baseOffset();
            List<FileChannelRecordBatch> lastBatches = new ArrayList<>();
            last.records().batches().forEach(lastBatches::add);
            log.close();

            // damage the last segment
            Path file = dir.resolve(LogSegment.fileName(lastBase, LogSegment.LOG_SUFFIX));
            long size = Files.size(file);
            long damageAt;
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                if (tear) {
                    damageAt = (long) (where * size);
                    raf.setLength(damageAt);
                } else {
                    FileChannelRecordBatch victim = lastBatches.get(lastBatches.size() - 1);
                    int span = victim.sizeInBytes() - MAGIC_OFFSET;
                    damageAt = victim.position() + MAGIC_OFFSET + (long) (where * span);
                    raf.seek(damageAt);
                    int b = raf.read();
                    raf.seek(damageAt);
                    raf.write(b ^ (1 << (int) (where * 8 * 1000) % 8));
                }
            }
            if (loseRecoveryPoint) {
                Files.deleteIfExists(dir.resolve(PartitionLog.STATE_FILE)); // recover every segment
            }

            // the batches wholly before the damage survive
            List<Appended> intact = new ArrayList<>();
            for (int i = 0; i < appended.size(); i++) {
                Appended a = appended.get(i);
                if (a.firstOffset() < lastBase) {
                    intact.add(a);
                    continue;
                }
                FileChannelRecordBatch batch = lastBatches.get(intact.size() - countBelow(appended, lastBase));
                if (batch.position() + batch.sizeInBytes() <= damageAt) {
                    intact.add(a);
                } else {
                    break;
                }
            }
            long expectedEnd = intact.isEmpty() ? 0 : intact.get(intact.size() - 1).lastOffset() + 1;

            PartitionLog recovered = PartitionLog.open(dir, TestLogs.TP, config, false, time, scheduler,
                    StorageFaults.NONE);
            try {
                assertEquals(expectedEnd, recovered.logEndOffset());
                recovered.highWatermarkToLogEnd();
                if (!intact.isEmpty()) {
                    LogStorageProperties.assertReadable(recovered, intact);
                }
                assertThrows(OffsetOutOfRangeException.class,
                        () -> recovered.read(expectedEnd + 1, 1 << 20, recovered.logEndMetadata(), true));
                assertIndexesPointAtBatches(recovered);
                AppendResult next = recovered.appendAsLeader(batches.get(0).build(), 2);
                assertEquals(Errors.NONE, next.error());
                assertEquals(expectedEnd, next.firstOffset());
            } finally {
                recovered.close();
            }
        } finally {
            scheduler.shutdownNow();
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
            RandomBatches.deleteRecursively(dir);
        }
    }

    private static int countBelow(List<Appended> appended, long base) {
        return (int) appended.stream().filter(a -> a.firstOffset() < base).count();
    }

    /** Each offset index lookup lands on the start of a batch holding that offset or an earlier one. */
    private static void assertIndexesPointAtBatches(PartitionLog log) {
        for (LogSegment segment : log.segments()) {
            List<FileChannelRecordBatch> batches = new ArrayList<>();
            segment.records().batches().forEach(batches::add);
            long[] positions = batches.stream().mapToLong(FileChannelRecordBatch::position).toArray();
            for (FileChannelRecordBatch batch : batches) {
                for (long offset : new long[] {batch.baseOffset(), batch.lastOffset()}) {
                    OffsetIndex.Position p = segment.offsetIndex().lookup(offset);
                    int slot = Arrays.binarySearch(positions, p.position());
                    assertTrue(slot >= 0, "index entry " + p + " is not a batch start");
                    assertEquals(batches.get(slot).baseOffset(), p.offset() == segment.baseOffset() && p.position() == 0
                            ? batches.get(0).baseOffset() : p.offset());
                    assertTrue(p.offset() <= offset);
                }
                TimeIndex.Entry e = segment.timeIndex().lookup(batch.maxTimestamp());
                assertTrue(e.timestamp() <= batch.maxTimestamp());
            }
        }
    }
}
