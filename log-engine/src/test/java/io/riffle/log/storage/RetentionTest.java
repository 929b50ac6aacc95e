package io.riffle.log.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.riffle.log.config.LogConfig;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retention by time, by size and by log start offset ({@link PartitionLog#deleteOldSegments}). */
class RetentionTest {
    private static final long START = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private TestLogs logs;

    @BeforeEach
    void setUp() {
        logs = new TestLogs(dir.resolve("t-0"), START);
    }

    @AfterEach
    void tearDown() throws Exception {
        logs.close();
    }

    private static LogConfig config(String... extra) {
        List<String> kv = new ArrayList<>(List.of("segment.bytes", "1024", "file.delete.delay.ms", "60000"));
        kv.addAll(List.of(extra));
        return TestLogs.config(kv.toArray(String[]::new));
    }

    private void append(PartitionLog log, int batches) {
        for (int i = 0; i < batches; i++) {
            log.appendAsLeader(logs.batch("k" + i, "some value of a record number " + i), 0);
        }
        log.highWatermarkToLogEnd();
    }

    private List<String> files(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(logs.dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    private static void assertEarliestIs(PartitionLog log, long expected) throws IOException {
        assertEquals(expected, log.logStartOffset());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(expected - 1, 1 << 20, log.logEndMetadata(), true));
        if (expected < log.logEndOffset()) {
            assertEquals(expected, TestLogs.readAll(log, expected).get(0).offset());
        }
    }

    @Test
    void segmentsOlderThanRetentionMsAreDeletedOldestFirst() throws Exception {
        PartitionLog log = logs.open(config("retention.ms", "1000"), true);
        append(log, 30);
        long oldEnd = log.logEndOffset();
        logs.time.advance(600);
        log.forceRoll();
        append(log, 30);
        int segments = log.segments().size();
        logs.time.advance(500); // the first batches are 1100 ms old, the newer 500 ms

        int deleted = log.deleteOldSegments();

        assertTrue(deleted > 0);
        assertEquals(segments - deleted, log.segments().size());
        assertEarliestIs(log, oldEnd);
        assertEquals(oldEnd, log.segments().iterator().next().baseOffset());
        assertEquals(deleted, files(".log.deleted").size(), "renamed, kept for file.delete.delay.ms");
        assertEquals(deleted, files(".index.deleted").size());
        assertEquals(deleted, files(".timeindex.deleted").size());
    }

    @Test
    void theActiveSegmentIsRolledWhenEverythingExpires() throws Exception {
        PartitionLog log = logs.open(config("retention.ms", "1000", "file.delete.delay.ms", "0"), true);
        append(log, 30);
        long end = log.logEndOffset();
        logs.time.advance(1_001);

        assertTrue(log.deleteOldSegments() > 0);

        assertEquals(end, log.logStartOffset());
        assertEquals(end, log.logEndOffset());
        assertEquals(1, log.segments().size());
        assertEquals(0, log.segments().iterator().next().size());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(end - 1, 1 << 20, log.logEndMetadata(), true));
        await().atMost(Duration.ofSeconds(10)).until(() -> files(".deleted").isEmpty());
        assertEquals(List.of(LogSegment.fileName(end, ".log")), files(".log"));
        assertEquals(end, log.appendAsLeader(logs.batch("k", "v"), 0).firstOffset());
        assertEquals(0, log.deleteOldSegments(), "the new data is young");
    }

    @Test
    void timeRetentionUsesRecordTimestampsAfterAReopen() throws Exception {
        // small segments never reach index.interval.bytes: their max timestamp must still survive a restart
        PartitionLog log = logs.open(config("retention.ms", "1000"), true);
        append(log, 5);
        log.forceRoll();
        long firstEnd = log.logEndOffset();
        logs.time.advance(2_000);
        append(log, 5);
        log.close();

        PartitionLog reopened = logs.open(config("retention.ms", "1000"), true);
        assertEquals(1, reopened.deleteOldSegments());
        assertEarliestIs(reopened, firstEnd);
    }

    @Test
    void retentionBytesDeletesOldestSegmentsUntilTheLogFits() throws Exception {
        PartitionLog log = logs.open(config("retention.bytes", "2500"), true);
        append(log, 100);
        long total = log.size();
        assertTrue(total > 5000);
        List<Long> basesBefore = log.segments().stream().map(LogSegment::baseOffset).toList();

        int deleted = log.deleteOldSegments();

        // Kafka's rule: a segment goes only if the log still exceeds retention.bytes by its whole size
        assertTrue(deleted > 0);
        assertTrue(log.size() - 2500 < log.segments().iterator().next().size(), "size " + log.size());
        assertEquals(basesBefore.subList(deleted, basesBefore.size()),
                log.segments().stream().map(LogSegment::baseOffset).toList());
        assertEarliestIs(log, basesBefore.get(deleted));
    }

    @Test
    void deleteRecordsMovesTheLogStartAndDropsWholeSegmentsBelowIt() throws Exception {
        PartitionLog log = logs.open(config(), true);
        append(log, 100);
        List<Long> bases = log.segments().stream().map(LogSegment::baseOffset).toList();
        long target = bases.get(2) + 3; // inside the third segment

        assertEquals(target, log.deleteRecordsBefore(target));

        assertEquals(bases.get(2), log.segments().iterator().next().baseOffset());
        assertEarliestIs(log, target);
        assertThrows(OffsetOutOfRangeException.class, () -> log.deleteRecordsBefore(log.highWatermark() + 1));
        log.deleteOldSegments();
        assertEarliestIs(log, target);
        log.close();

        PartitionLog reopened = logs.open(config(), false);
        assertEarliestIs(reopened, target);
        assertEquals(100, reopened.logEndOffset());
    }

    @Test
    void deleteRecordsUpToTheEndEmptiesTheLog() throws Exception {
        PartitionLog log = logs.open(config("file.delete.delay.ms", "0"), true);
        append(log, 40);
        assertEquals(40, log.deleteRecordsBefore(40));
        log.deleteOldSegments();
        assertEarliestIs(log, 40);
        assertTrue(log.size() == 0 || log.segments().size() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> files(".deleted").isEmpty());
    }
}
