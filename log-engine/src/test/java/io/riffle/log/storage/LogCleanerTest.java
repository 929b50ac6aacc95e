package io.riffle.log.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.riffle.log.config.BrokerConfig;
import io.riffle.log.config.LogConfig;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Log compaction through {@link LogCleaner#cleanLog}, without waiting on the cleaner thread. */
class LogCleanerTest {
    private static final long START = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private TestLogs logs;
    private final LogCleaner cleaner = new LogCleaner(List::of, 1_000, 64L * 1024 * 1024);

    @BeforeEach
    void setUp() {
        logs = new TestLogs(dir.resolve("t-0"), START);
    }

    @AfterEach
    void tearDown() throws Exception {
        cleaner.close();
        logs.close();
    }

    private static LogConfig compacted(String... extra) {
        List<String> kv = new ArrayList<>(List.of("cleanup.policy", "compact", "segment.bytes", "1024",
                "index.interval.bytes", "100", "file.delete.delay.ms", "0"));
        kv.addAll(List.of(extra));
        return TestLogs.config(kv.toArray(String[]::new));
    }

    /** Appends key i % keys = value "v<round>-<i>" for rounds, one record per batch; returns the expected latest. */
    private Map<String, TestLogs.Read> appendRounds(PartitionLog log, int rounds, int keys) {
        Map<String, TestLogs.Read> latest = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < keys; k++) {
                String key = "key-" + k;
                String value = "value-" + r + "-" + k;
                AppendResult result = log.appendAsLeader(logs.batch(key, value), 0);
                assertEquals(Errors.NONE, result.error());
                latest.put(key, new TestLogs.Read(result.firstOffset(), key, value));
            }
        }
        log.highWatermarkToLogEnd();
        return latest;
    }

    @Test
    void keepsTheLatestRecordPerKeyAtItsOriginalOffsetAndReadsAcrossGaps() throws Exception {
        PartitionLog log = logs.open(compacted(), true);
        Map<String, TestLogs.Read> latest = appendRounds(log, 20, 5);
        log.forceRoll();
        log.highWatermarkToLogEnd();
        long end = log.logEndOffset();
        int segmentsBefore = log.segments().size();
        assertTrue(segmentsBefore > 3, "segment.bytes=1024 forces rolls");

        LogCleaner.CleanResult result = cleaner.cleanLog(log);

        assertEquals(end, result.endOffset());
        assertEquals(100, result.recordsRead());
        assertEquals(5, result.recordsRetained());
        assertEquals(new ArrayList<>(latest.values()), TestLogs.readAll(log, 0));
        // groups are made by the size before cleaning (as Kafka does): the next cleaning merges the now small segments
        cleaner.cleanLog(log);
        assertEquals(2, log.segments().size(), "one cleaned segment and the active one, from " + segmentsBefore);
        assertEquals(new ArrayList<>(latest.values()), TestLogs.readAll(log, 0));
        assertEquals(0, log.logStartOffset());
        assertEquals(end, log.logEndOffset());
        // a read in a gap starts at the next retained record
        TestLogs.Read first = latest.get("key-0");
        assertEquals(first, TestLogs.readAll(log, first.offset() - 3).get(0));
        // appends continue at the same end offset
        assertEquals(end, log.appendAsLeader(logs.batch("key-0", "after"), 0).firstOffset());
        assertEquals(end, LogCleaner.readCheckpoint(log));
    }

    @Test
    void compactedLogSurvivesCleanAndUncleanReopen() throws Exception {
        PartitionLog log = logs.open(compacted(), true);
        appendRounds(log, 10, 4);
        log.forceRoll();
        log.highWatermarkToLogEnd();
        cleaner.cleanLog(log);
        List<TestLogs.Read> expected = TestLogs.readAll(log, 0);
        long end = log.logEndOffset();
        log.close();

        PartitionLog reopened = logs.open(compacted(), true);
        assertEquals(expected, TestLogs.readAll(reopened, 0));
        reopened.close();
        PartitionLog recovered = logs.open(compacted(), false);
        assertEquals(expected, TestLogs.readAll(recovered, 0));
        assertEquals(end, recovered.logEndOffset());
    }

    @Test
    void checkpointLimitsTheDirtyRatioAndOnlyNewRecordsAreMapped() throws Exception {
        PartitionLog log = logs.open(compacted("min.cleanable.dirty.ratio", "0.5"), true);
        appendRounds(log, 10, 4);
        log.forceRoll();
        log.highWatermarkToLogEnd();
        LogCleaner background = new LogCleaner(() -> List.of(log), 1_000, 1 << 20);
        assertTrue(background.cleanDirtiestLog(), "a never-cleaned log is wholly dirty");
        assertFalse(background.cleanDirtiestLog(), "nothing is dirty after cleaning");
        LogCleaner.Cleanable range = background.cleanableRange(log);
        assertEquals(0, range.dirtyBytes());
        assertEquals(log.logEndOffset(), range.firstDirtyOffset());

        // a little new data: below the ratio; the map of the next cleaning covers only it
        log.appendAsLeader(logs.batch("key-0", "new"), 0);
        log.forceRoll();
        log.highWatermarkToLogEnd();
        range = background.cleanableRange(log);
        assertTrue(range.dirtyRatio() > 0 && range.dirtyRatio() < 0.5, "ratio " + range.dirtyRatio());
        assertFalse(background.cleanDirtiestLog());
        LogCleaner.CleanResult result = background.cleanLog(log);
        assertEquals(range.firstDirtyOffset(), result.firstDirtyOffset());
        assertEquals(4, TestLogs.readAll(log, 0).size());
        assertEquals("new", TestLogs.readAll(log, 0).stream().filter(r -> r.key().equals("key-0")).findFirst()
                .orElseThrow().value());
        background.close();
    }

    @Test
    void activeSegmentAndRecordsWithinTheCompactionLagAreNotCleaned() throws Exception {
        PartitionLog log = logs.open(compacted("min.compaction.lag.ms", "60000"), true);
        appendRounds(log, 10, 2);
        log.highWatermarkToLogEnd();
        // everything is younger than the lag
        LogCleaner.CleanResult result = cleaner.cleanLog(log);
        assertEquals(20, TestLogs.readAll(log, 0).size());
        assertEquals(0, result.recordsRead());

        logs.time.advance(120_000);
        appendRounds(log, 10, 2); // new records, younger than the lag; the old ones are now cleanable
        cleaner.cleanLog(log);
        List<TestLogs.Read> after = TestLogs.readAll(log, 0);
        assertTrue(after.size() < 40 && after.size() > 20, "only the old part was compacted: " + after.size());
        assertEquals(20, after.stream().filter(r -> r.value().startsWith("value-") && r.offset() >= 20).count());
    }

    @Test
    void tombstonesAreKeptForDeleteRetentionAfterTheirFirstCleaning() throws Exception {
        PartitionLog log = logs.open(compacted("delete.retention.ms", "1000"), true);
        log.appendAsLeader(logs.batch("a", "1", "b", "1"), 0);
        log.appendAsLeader(logs.batch("a", null), 0);
        log.forceRoll();
        log.appendAsLeader(logs.batch("c", "1"), 0);
        log.forceRoll();
        log.highWatermarkToLogEnd();

        LogCleaner background = new LogCleaner(() -> List.of(log), 1_000, 1 << 20);
        background.cleanLog(log);
        assertEquals(List.of(new TestLogs.Read(1, "b", "1"), new TestLogs.Read(2, "a", null),
                new TestLogs.Read(3, "c", "1")), TestLogs.readAll(log, 0));
        assertFalse(background.cleanDirtiestLog(), "the horizon has not passed");

        logs.time.advance(1_001);
        assertTrue(background.cleanDirtiestLog(), "a passed delete horizon makes the log cleanable");
        assertEquals(List.of(new TestLogs.Read(1, "b", "1"), new TestLogs.Read(3, "c", "1")),
                TestLogs.readAll(log, 0));
        background.close();
    }

    @Test
    void lastBatchOfAnIdempotentProducerIsKeptEmptySoDuplicatesAreStillDetected() throws Exception {
        PartitionLog log = logs.open(compacted(), true);
        long pid = 77;
        AppendResult first = log.appendAsLeader(logs.idempotentBatch(pid, (short) 0, 0, "k", "old"), 0);
        log.appendAsLeader(logs.batch("k", "new"), 0);
        log.forceRoll();
        log.highWatermarkToLogEnd();
        cleaner.cleanLog(log);

        List<FileChannelRecordBatch> batches = TestLogs.allBatches(log);
        assertEquals(2, batches.size(), "the producer's emptied batch stays");
        assertEquals(pid, batches.get(0).producerId());
        assertEquals(0, batches.get(0).baseSequence());
        assertEquals(List.of(new TestLogs.Read(1, "k", "new")), TestLogs.readAll(log, 0));

        // lose the snapshots: producer state is rebuilt from the (compacted) log
        log.close();
        try (Stream<Path> files = Files.list(logs.dir)) {
            for (Path p : files.filter(p -> p.toString().endsWith(ProducerStateTable.SNAPSHOT_SUFFIX)).toList()) {
                Files.delete(p);
            }
        }
        PartitionLog reopened = logs.open(compacted(), true);
        long end = reopened.logEndOffset();
        AppendResult dup = reopened.appendAsLeader(logs.idempotentBatch(pid, (short) 0, 0, "k", "old"), 0);
        assertEquals(Errors.NONE, dup.error());
        assertEquals(first.firstOffset(), dup.firstOffset());
        assertEquals(end, reopened.logEndOffset());
    }

    @Test
    void aReadStartedBeforeTheSwapCanStillBeSent() throws Exception {
        PartitionLog log = logs.open(compacted("file.delete.delay.ms", "60000"), true);
        appendRounds(log, 10, 2);
        log.forceRoll();
        log.highWatermarkToLogEnd();
        FetchData before = log.read(0, 1 << 20, log.logEndMetadata(), true);
        List<org.apache.kafka.common.record.internal.RecordBatch> expected = TestLogs.batchesOf(before);

        cleaner.cleanLog(log);
        assertEquals(2, TestLogs.readAll(log, 0).size());
        // the old segment's channel must still be open: a fetch may be sending from it
        assertEquals(expected.size(), TestLogs.batchesOf(before).size());
    }

    @Test
    void anInterruptedSwapIsCompletedOnLoad() throws Exception {
        // The same log twice: one is cleaned, its cleaned first segment is planted in the other as a swap file.
        Path cleanedDir = dir.resolve("cleaned");
        List<TestLogs.Read> expected;
        try (TestLogs other = new TestLogs(cleanedDir, START)) {
            PartitionLog source = logs.open(compacted("segment.bytes", "4096"), true);
            PartitionLog twin = other.open(compacted("segment.bytes", "4096"), true);
            for (PartitionLog l : List.of(source, twin)) {
                for (int i = 0; i < 40; i++) {
                    l.appendAsLeader(logs.batch("key-" + (i % 3), "value-" + i), 0);
                    if (i % 10 == 9) {
                        l.forceRoll();
                    }
                }
                l.highWatermarkToLogEnd();
            }
            assertEquals(5, source.segments().size());
            cleaner.cleanLog(twin);
            expected = TestLogs.readAll(twin, 0);
            twin.close();
            source.close();
        }
        try (Stream<Path> files = Files.list(cleanedDir)) {
            assertEquals(2, files.filter(p -> p.toString().endsWith(".log")).count(),
                    "four segments cleaned into one, plus the active one");
        }
        Files.copy(cleanedDir.resolve(LogSegment.fileName(0, ".log")),
                logs.dir.resolve(LogSegment.fileName(0, ".log.swap")));
        // a stale index of the replaced segment is left live: it must be rebuilt, not trusted
        PartitionLog loaded = logs.open(compacted("segment.bytes", "4096"), true);
        assertEquals(expected, TestLogs.readAll(loaded, 0));
        assertEquals(2, loaded.segments().size());
        for (TestLogs.Read r : expected) {
            assertEquals(r, TestLogs.readAll(loaded, r.offset()).get(0));
        }
    }

    @Test
    void logManagerRunsTheCleanerInTheBackground() throws Exception {
        BrokerConfig config = BrokerConfig.from(Map.of("log.dirs", dir.resolve("data").toString(),
                "log.cleaner.backoff.ms", "10", "listeners", "PLAINTEXT://127.0.0.1:0"));
        try (LogManager manager = new LogManager(config, Time.SYSTEM, StorageFaults.NONE)) {
            PartitionLog log = manager.getOrCreateLog(TestLogs.TP, compacted());
            for (int i = 0; i < 100; i++) {
                log.appendAsLeader(logs.batch("key-" + (i % 3), "value-" + i), 0);
            }
            log.forceRoll();
            log.highWatermarkToLogEnd();
            assertTrue(manager.cleanNow());
            assertEquals(3, TestLogs.readAll(log, 0).size());
            for (int i = 0; i < 100; i++) {
                log.appendAsLeader(logs.batch("key-" + (i % 3), "again-" + i), 0);
            }
            log.forceRoll();
            log.highWatermarkToLogEnd();
            manager.startBackgroundTasks();
            await().atMost(Duration.ofSeconds(20)).until(() -> TestLogs.readAll(log, 0).size() == 3
                    && TestLogs.readAll(log, 0).stream().allMatch(r -> r.value().startsWith("again-")));
        }
    }


}
