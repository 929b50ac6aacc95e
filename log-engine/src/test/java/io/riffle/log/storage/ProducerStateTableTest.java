package io.riffle.log.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.riffle.log.config.LogConfig;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Producer state survives restarts: from snapshots, or rebuilt from the log when they are gone. */
class ProducerStateTableTest {
    private static final long PID = 4242;
    private static final short EPOCH = 3;

    @TempDir
    Path dir;
    private TestLogs logs;
    private final LogConfig config = TestLogs.config("segment.bytes", "1024");

    @BeforeEach
    void setUp() {
        logs = new TestLogs(dir.resolve("t-0"), 1_700_000_000_000L);
    }

    @AfterEach
    void tearDown() throws Exception {
        logs.close();
    }

    private List<String> snapshots() throws Exception {
        try (Stream<Path> s = Files.list(logs.dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(ProducerStateTable.SNAPSHOT_SUFFIX)).toList();
        }
    }

    @ParameterizedTest(name = "keepSnapshots={0}, cleanShutdown={1}")
    @CsvSource({"true,true", "false,true", "false,false", "true,false"})
    void duplicatesAreDetectedAfterARestart(boolean keepSnapshots, boolean cleanShutdown) throws Exception {
        PartitionLog log = logs.open(config, true);
        log.appendAsLeader(logs.batch("other", "x"), 0);
        List<AppendResult> originals = new ArrayList<>();
        for (int seq = 0; seq < 5; seq++) {
            originals.add(log.appendAsLeader(logs.idempotentBatch(PID, EPOCH, seq * 2, "k" + seq, "a", "k" + seq, "b"), 0));
            log.appendAsLeader(logs.batch("filler", "y".repeat(100)), 0); // forces rolls, so snapshots are taken
        }
        long end = log.logEndOffset();
        log.close();
        assertFalse(snapshots().isEmpty(), "a clean close writes a snapshot");
        if (!keepSnapshots) {
            for (String name : snapshots()) {
                Files.delete(logs.dir.resolve(name));
            }
        }

        PartitionLog reopened = logs.open(config, cleanShutdown);
        ProducerStateTable.ProducerEntry entry = reopened.producerState().producers().get(PID);
        assertEquals(EPOCH, entry.epoch());
        assertEquals(9, entry.lastSequence());
        for (int seq = 0; seq < 5; seq++) {
            AppendResult dup = reopened.appendAsLeader(
                    logs.idempotentBatch(PID, EPOCH, seq * 2, "k" + seq, "a", "k" + seq, "b"), 0);
            assertEquals(Errors.NONE, dup.error());
            assertEquals(originals.get(seq).firstOffset(), dup.firstOffset(), "sequence " + seq * 2);
            assertEquals(originals.get(seq).lastOffset(), dup.lastOffset());
            assertEquals(end, reopened.logEndOffset(), "a duplicate appends nothing");
        }
        AppendResult gap = reopened.appendAsLeader(logs.idempotentBatch(PID, EPOCH, 12, "k", "v"), 0);
        assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, gap.error());
        AppendResult next = reopened.appendAsLeader(logs.idempotentBatch(PID, EPOCH, 10, "k", "v"), 0);
        assertEquals(Errors.NONE, next.error());
        assertEquals(end, next.firstOffset());
        AppendResult fenced = reopened.appendAsLeader(logs.idempotentBatch(PID, (short) (EPOCH - 1), 0, "k", "v"), 0);
        assertEquals(Errors.INVALID_PRODUCER_EPOCH, fenced.error());
        assertTrue(reopened.logEndOffset() == end + 1);
    }
}
