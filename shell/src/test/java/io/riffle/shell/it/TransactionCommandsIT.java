package io.riffle.shell.it;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code riffle transaction} commands, run from the packaged distribution against a Riffle
 * node: list, describe and producers show a transaction its producer abandoned; find-hanging tells
 * it from a transaction no coordinator knows; abort ends either, by start offset or by producer,
 * after which read_committed consumers move past it. Mistakes are reported specifically.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TransactionCommandsIT {
    private static final Pattern PRODUCER_ID = Pattern.compile("\"producer_id\":(\\d+)");

    @TempDir
    static Path dataDir;
    private static RiffleProcess riffle;
    private static Admin admin;

    @BeforeAll
    static void startRiffle() throws Exception {
        riffle = RiffleProcess.start(dataDir, "--override", "transaction.state.log.num.partitions=3");
        admin = OpenTransactions.admin(riffle.bootstrap());
    }

    @AfterAll
    static void stopRiffle() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (riffle != null) {
            riffle.close();
        }
    }

    @Test
    void abandonedTransactionIsListedDescribedAndAbortedByStartOffset() throws Exception {
        OpenTransactions.createTopic(admin, "left", 1);
        TopicPartition tp = new TopicPartition("left", 0);
        OpenTransactions.abandon(riffle.bootstrap(), "cli-abandoned", tp);

        KafkaTool.Result list = ok(riffle("transaction", "list", "-o", "json"));
        assertTrue(list.stdout().contains("\"transactional_id\":\"cli-abandoned\",\"coordinator\":1,"), list::describe);
        assertTrue(list.stdout().contains("\"state\":\"Ongoing\""), list::describe);
        KafkaTool.Result completed = ok(riffle("transaction", "list", "--state", "CompleteCommit,CompleteAbort", "-o", "csv"));
        assertEquals("TRANSACTIONAL-ID,COORDINATOR,PRODUCER-ID,STATE\n", completed.stdout(), completed::describe);
        Matcher id = PRODUCER_ID.matcher(list.stdout());
        assertTrue(id.find(), list::describe);
        String producerId = id.group(1);

        KafkaTool.Result describe = ok(riffle("transaction", "describe", "cli-abandoned", "-o", "json"));
        assertTrue(describe.stdout().contains("\"state\":\"Ongoing\""), describe::describe);
        assertTrue(describe.stdout().contains("\"timeout_ms\":" + OpenTransactions.TRANSACTION_TIMEOUT_MS), describe::describe);
        assertTrue(describe.stdout().contains("\"partitions\":\"left-0\""), describe::describe);
        KafkaTool.Result table = ok(riffle("transaction", "describe", "cli-abandoned"));
        assertTrue(table.stdout().startsWith("TRANSACTIONAL-ID  COORDINATOR  PRODUCER-ID"), table::describe);

        KafkaTool.Result producers = ok(riffle("transaction", "producers", "--topic", "left", "--partition", "0", "-o", "json"));
        assertTrue(producers.stdout().contains("{\"producer_id\":" + producerId + ","), producers::describe);
        assertTrue(producers.stdout().contains("\"txn_start_offset\":0}"), producers::describe);

        // Its coordinator still counts the partition: open, not hanging.
        KafkaTool.Result hanging = ok(riffle("transaction", "find-hanging", "--topic", "left", "--max-age-ms", "0", "-o", "csv"));
        assertEquals(1, hanging.stdout().lines().count(), hanging::describe);
        assertTrue(hanging.stderr().contains("No hanging transactions."), hanging::describe);

        assertEquals(0, OpenTransactions.readCommittedEnd(admin, tp));
        KafkaTool.Result abort = ok(riffle("transaction", "abort", "--topic", "left", "--partition", "0", "--start-offset", "0"));
        assertTrue(abort.stdout().contains("Aborted the transaction of producer " + producerId), abort::describe);
        assertEquals(2, OpenTransactions.readCommittedEnd(admin, tp), "record and abort marker below the last stable offset");

        failsWith(riffle("transaction", "abort", "--topic", "left", "--partition", "0", "--start-offset", "0"),
            "riffle transaction abort: no open transaction starts at offset 0 on left-0 (it has no open transactions)");
    }

    @Test
    void orphanedTransactionIsFoundHangingAndAbortedByProducer() throws Exception {
        OpenTransactions.createTopic(admin, "stuck", 2);
        TopicPartition tp = new TopicPartition("stuck", 1);
        long producerId = 7_000_000_002L;
        long start = OpenTransactions.orphan(riffle.bootstrap(), tp, producerId);

        KafkaTool.Result young = ok(riffle("transaction", "find-hanging", "--topic", "stuck", "-o", "json"));
        assertEquals("[]", young.stdout().trim(), "younger than the default 15 minutes: " + young.describe());
        KafkaTool.Result found = ok(riffle("transaction", "find-hanging", "--max-age-ms", "60000", "-o", "json"));
        assertTrue(found.stdout().contains("{\"topic\":\"stuck\",\"partition\":1,\"producer_id\":" + producerId
            + ",\"producer_epoch\":0,\"coordinator_epoch\":null,\"start_offset\":" + start + ","), found::describe);

        assertEquals(start, OpenTransactions.readCommittedEnd(admin, tp));
        ok(riffle("transaction", "abort", "--topic", "stuck", "--partition", "1", "--producer-id", String.valueOf(producerId),
            "--producer-epoch", "0", "--coordinator-epoch", "-1"));
        assertEquals(OpenTransactions.logEnd(admin, tp), OpenTransactions.readCommittedEnd(admin, tp));
        KafkaTool.Result none = ok(riffle("transaction", "find-hanging", "--topic", "stuck", "--max-age-ms", "0", "-o", "json"));
        assertEquals("[]", none.stdout().trim(), none::describe);
    }

    @Test
    void mistakesAreReportedSpecifically() throws Exception {
        failsWith(riffle("transaction", "describe", "never-used"),
            "riffle transaction describe: transactional id 'never-used' does not exist");
        failsWith(riffle("transaction", "producers", "--topic", "no-such-topic", "--partition", "0"),
            "riffle transaction producers: topic 'no-such-topic' does not exist");
        OpenTransactions.createTopic(admin, "narrow", 1);
        failsWith(riffle("transaction", "abort", "--topic", "narrow", "--partition", "3", "--start-offset", "0"),
            "riffle transaction abort: topic 'narrow' has no partition 3 (it has 1)");

        KafkaTool.Result both = riffle("transaction", "abort", "--topic", "t", "--partition", "0", "--start-offset", "3",
            "--producer-id", "1", "--producer-epoch", "0", "--coordinator-epoch", "0");
        assertEquals(2, both.exitCode(), both::describe);
        assertTrue(both.stderr().contains("mutually exclusive"), both::describe);
        KafkaTool.Result partial = riffle("transaction", "abort", "--topic", "t", "--partition", "0", "--producer-id", "1");
        assertEquals(2, partial.exitCode(), partial::describe);
        assertTrue(partial.stderr().contains("--producer-epoch"), partial::describe);
        KafkaTool.Result state = riffle("transaction", "list", "--state", "Finished");
        assertEquals(2, state.exitCode(), state::describe);
        assertTrue(state.stderr().contains("unknown --state 'Finished'; expected one of Ongoing,"), state::describe);
        assertFalse(state.stderr().contains("Exception"), state::describe);
    }

    private static KafkaTool.Result riffle(String... args) throws IOException, InterruptedException {
        List<String> withBootstrap = new ArrayList<>(List.of(args));
        withBootstrap.addAll(List.of("--bootstrap", riffle.bootstrap()));
        return RiffleCli.run(Duration.ofSeconds(90), null, withBootstrap.toArray(String[]::new));
    }

    private static KafkaTool.Result ok(KafkaTool.Result result) {
        assertEquals(0, result.exitCode(), result::describe);
        return result;
    }

    private static void failsWith(KafkaTool.Result result, String message) {
        assertEquals(1, result.exitCode(), result::describe);
        assertTrue(result.stderr().contains(message), result::describe);
    }
}
