package io.riffle.log.storage;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.riffle.log.config.LogConfig;
import io.riffle.log.storage.RandomBatches.BatchSpec;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Append then read: every batch comes back byte-identical at its offsets, whatever the batch
 * sizes, keys and values (null included), compression, segment rolls and index density, and
 * again after a clean and an unclean reopen.
 */
class LogStorageProperties {

    /** An appended batch as it must be read back: its offsets and its bytes after offset assignment. */
    record Appended(long firstOffset, long lastOffset, byte[] bytes) {
    }

    @Provide
    Arbitrary<List<BatchSpec>> batchLists() {
        return RandomBatches.batches().list().ofMinSize(1).ofMaxSize(30);
    }

    @Property(tries = 60)
    void appendedBatchesReadBackByteIdentical(@ForAll("batchLists") List<BatchSpec> batches,
                                              @ForAll @IntRange(min = 1024, max = 8192) int segmentBytes,
                                              @ForAll @IntRange(min = 0, max = 600) int indexIntervalBytes)
            throws Exception {
        Path dir = RandomBatches.tempDir();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        ManualTime time = new ManualTime(RandomBatches.START);
        LogConfig config = TestLogs.config("segment.bytes", Integer.toString(segmentBytes),
                "index.interval.bytes", Integer.toString(indexIntervalBytes));
        try {
            List<Appended> appended = new ArrayList<>();
            PartitionLog log = PartitionLog.open(dir, TestLogs.TP, config, true, time, scheduler, StorageFaults.NONE);
            try {
                for (BatchSpec spec : batches) {
                    MemoryRecords records = spec.build();
                    AppendResult result = log.appendAsLeader(records, 7);
                    assertEquals(Errors.NONE, result.error(), result.errorMessage());
                    appended.add(new Appended(result.firstOffset(), result.lastOffset(), RandomBatches.bytesOf(records)));
                }
                log.highWatermarkToLogEnd();
                assertReadable(log, appended);
            } finally {
                log.close();
            }
            for (boolean clean : new boolean[] {true, false}) {
                PartitionLog reopened = PartitionLog.open(dir, TestLogs.TP, config, clean, time, scheduler,
                        StorageFaults.NONE);
                try {
                    assertReadable(reopened, appended);
                } finally {
                    reopened.close();
                }
            }
        } finally {
            scheduler.shutdownNow();
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
            RandomBatches.deleteRecursively(dir);
        }
    }

    /** Every offset of every batch reads back that batch, byte for byte; a whole-log read returns them all in order. */
    static void assertReadable(PartitionLog log, List<Appended> appended) throws Exception {
        long end = appended.get(appended.size() - 1).lastOffset() + 1;
        assertEquals(end, log.logEndOffset());
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Appended a : appended) {
            for (long offset = a.firstOffset(); offset <= a.lastOffset(); offset++) {
                FetchData data = log.read(offset, 1, log.logEndMetadata(), true);
                byte[] first = Arrays.copyOf(RandomBatches.bytesOf(data), a.bytes().length);
                assertArrayEquals(a.bytes(), first, "batch at offset " + offset);
            }
            all.write(a.bytes());
        }
        // a consumer's reads, bounded by maxBytes: whole batches are kept, a partial one at the end dropped
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        long next = 0;
        while (next < end) {
            byte[] bytes = RandomBatches.bytesOf(log.read(next, 3000, log.logEndMetadata(), true));
            long before = next;
            int position = 0;
            for (RecordBatch batch : MemoryRecords.readableRecords(ByteBuffer.wrap(bytes)).batches()) {
                read.write(bytes, position, batch.sizeInBytes());
                position += batch.sizeInBytes();
                next = batch.nextOffset();
            }
            assertTrue(next > before, "no progress reading at " + before);
        }
        assertArrayEquals(all.toByteArray(), read.toByteArray());
        assertEquals(0, log.read(end, 1, log.logEndMetadata(), true).sizeInBytes());
    }
}
