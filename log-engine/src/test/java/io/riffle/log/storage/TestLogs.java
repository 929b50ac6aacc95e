package io.riffle.log.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.riffle.log.config.LogConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * Opens partition logs for tests (a temp dir, a manual clock, a scheduler the test owns) and
 * builds and reads record batches. Not thread-safe; one per test.
 */
final class TestLogs implements AutoCloseable {
    static final TopicPartition TP = new TopicPartition("t", 0);

    final Path dir;
    final ManualTime time;
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<PartitionLog> opened = new ArrayList<>();

    TestLogs(Path dir, long startMs) {
        this.dir = dir;
        this.time = new ManualTime(startMs);
    }

    static LogConfig config(String... keyValues) {
        Map<String, String> overrides = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            overrides.put(keyValues[i], keyValues[i + 1]);
        }
        return LogConfig.effective(Map.of(), overrides);
    }

    PartitionLog open(LogConfig config, boolean cleanShutdown) throws IOException {
        PartitionLog log = PartitionLog.open(dir, TP, config, cleanShutdown, time, scheduler, StorageFaults.NONE);
        opened.add(log);
        return log;
    }

    /** One batch of string records (null value = tombstone), stamped with the clock's time. */
    MemoryRecords batch(String... keyValues) {
        SimpleRecord[] records = new SimpleRecord[keyValues.length / 2];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(time.milliseconds(), bytes(keyValues[2 * i]), bytes(keyValues[2 * i + 1]));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    /** One idempotent batch of a producer. */
    MemoryRecords idempotentBatch(long producerId, short epoch, int baseSequence, String... keyValues) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L, time.milliseconds(), producerId, epoch, baseSequence);
        for (int i = 0; i < keyValues.length; i += 2) {
            builder.append(time.milliseconds(), bytes(keyValues[i]), bytes(keyValues[i + 1]));
        }
        return builder.build();
    }

    static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return new String(a, StandardCharsets.UTF_8);
    }

    /** A record as read back: offset, key and value. */
    record Read(long offset, String key, String value) {
    }

    /** Reads the whole log from an offset as a consumer would, fetch after fetch. */
    static List<Read> readAll(PartitionLog log, long from) throws IOException {
        List<Read> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            FetchData data = log.read(next, 1024 * 1024, log.logEndMetadata(), true);
            if (data.sizeInBytes() == 0) {
                break;
            }
            for (RecordBatch batch : batchesOf(data)) {
                for (Record r : batch) {
                    if (r.offset() >= next) {
                        out.add(new Read(r.offset(), string(r.key()), string(r.value())));
                    }
                }
                next = Math.max(next, batch.nextOffset());
            }
        }
        return out;
    }

    /** The batches of a read, copied onto the heap. */
    static List<RecordBatch> batchesOf(FetchData data) throws IOException {
        if (data.records() instanceof SegmentSlice slice) {
            ByteBuffer buf = ByteBuffer.allocate(slice.size());
            while (buf.hasRemaining()) {
                int n = slice.channel().read(buf, slice.position() + buf.position());
                if (n < 0) {
                    break;
                }
            }
            buf.flip();
            List<RecordBatch> batches = new ArrayList<>();
            MemoryRecords.readableRecords(buf).batches().forEach(batches::add);
            return batches;
        }
        List<RecordBatch> batches = new ArrayList<>();
        ((MemoryRecords) data.records()).batches().forEach(batches::add);
        return batches;
    }

    /** Every batch in the log's segments, in order. */
    static List<FileChannelRecordBatch> allBatches(PartitionLog log) {
        List<FileChannelRecordBatch> out = new ArrayList<>();
        for (LogSegment s : log.segments()) {
            FileRecords records = s.records();
            records.batches().forEach(out::add);
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        for (PartitionLog log : opened) {
            log.close();
        }
        scheduler.shutdownNow();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
    }
}
