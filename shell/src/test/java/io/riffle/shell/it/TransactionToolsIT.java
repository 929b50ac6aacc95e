package io.riffle.shell.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka's {@code kafka-transactions.sh} ({@code org.apache.kafka.tools.TransactionsCommand}) against
 * a Riffle node: listing and describing a transaction its producer abandoned, describing a
 * partition's producers, telling a hanging transaction from one its coordinator still tracks, and
 * aborting both kinds, after which read_committed consumers move past them.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TransactionToolsIT {
    static final String TRANSACTIONS_COMMAND = "org.apache.kafka.tools.TransactionsCommand";

    @TempDir
    static Path dataDir;
    private static RiffleProcess riffle;
    private static Admin admin;

    @BeforeAll
    static void startRiffle() throws Exception {
        riffle = RiffleProcess.start(dataDir, "--override", "transaction.state.log.num.partitions=3",
            "--override", "group.initial.rebalance.delay.ms=0");
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

    private static KafkaTool.Result transactions(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", riffle.bootstrap()));
        all.addAll(List.of(args));
        KafkaTool.Result r = KafkaTool.run(TRANSACTIONS_COMMAND, all.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r::describe);
        return r;
    }

    /** The data rows of one of the tool's tables, split on whitespace, whose first cell is {@code first}. */
    private static List<String[]> rows(KafkaTool.Result table, String first) {
        return table.stdout().lines().skip(1).map(line -> line.trim().split("\\s+"))
            .filter(cells -> cells[0].equals(first)).toList();
    }

    @Test
    void anAbandonedTransactionIsListedDescribedNotHangingAndAbortedByItsStartOffset() throws Exception {
        OpenTransactions.createTopic(admin, "abandoned", 1);
        TopicPartition tp = new TopicPartition("abandoned", 0);
        OpenTransactions.abandon(riffle.bootstrap(), "tools-abandoned", tp);
        assertEquals(0, OpenTransactions.readCommittedEnd(admin, tp), "the open transaction holds read_committed");

        KafkaTool.Result list = transactions("list");
        assertTrue(list.stdout().startsWith("TransactionalId"), list::describe);
        List<String[]> listed = rows(list, "tools-abandoned");
        assertEquals(1, listed.size(), list::describe);
        assertEquals("Ongoing", listed.get(0)[3], list::describe);

        KafkaTool.Result describe = transactions("describe", "--transactional-id", "tools-abandoned");
        assertTrue(describe.stdout().contains("Ongoing"), describe::describe);
        assertTrue(describe.stdout().contains("abandoned-0"), describe::describe);
        assertTrue(describe.stdout().contains(String.valueOf(OpenTransactions.TRANSACTION_TIMEOUT_MS)), describe::describe);

        KafkaTool.Result producers = transactions("describe-producers", "--topic", "abandoned", "--partition", "0");
        String producerId = listed.get(0)[2];
        List<String[]> producer = rows(producers, producerId);
        assertEquals(1, producer.size(), producers::describe);
        assertEquals("0", producer.get(0)[5], "CurrentTransactionStartOffset\n" + producers.stdout());

        // Its coordinator still counts the partition in the transaction: open, but not hanging.
        KafkaTool.Result hanging = transactions("find-hanging", "--broker-id", "1", "--max-transaction-timeout", "0");
        assertTrue(rows(hanging, "abandoned").isEmpty(), hanging::describe);

        transactions("abort", "--topic", "abandoned", "--partition", "0", "--start-offset", "0");
        assertEquals(2, OpenTransactions.readCommittedEnd(admin, tp), "record and abort marker below the last stable offset");
        KafkaTool.Result after = transactions("describe-producers", "--topic", "abandoned", "--partition", "0");
        assertEquals("None", rows(after, producerId).get(0)[5], after::describe);
    }

    @Test
    void anOrphanedTransactionIsFoundHangingAndAbortedByItsProducer() throws Exception {
        OpenTransactions.createTopic(admin, "orphaned", 2);
        TopicPartition tp = new TopicPartition("orphaned", 1);
        long producerId = 7_000_000_001L;
        long start = OpenTransactions.orphan(riffle.bootstrap(), tp, producerId);
        assertEquals(start, OpenTransactions.readCommittedEnd(admin, tp));

        KafkaTool.Result hanging = transactions("find-hanging", "--broker-id", "1", "--max-transaction-timeout", "0");
        List<String[]> found = rows(hanging, "orphaned");
        assertEquals(1, found.size(), hanging::describe);
        String[] row = found.get(0); // Topic Partition ProducerId ProducerEpoch CoordinatorEpoch StartOffset ...
        assertEquals(List.of("orphaned", "1", String.valueOf(producerId), "0", "-1", String.valueOf(start)),
            List.of(row).subList(0, 6), hanging::describe);
        // Within the default 15-minute window the tool does not call it hanging yet.
        assertTrue(rows(transactions("find-hanging", "--topic", "orphaned"), "orphaned").isEmpty());

        transactions("abort", "--topic", "orphaned", "--partition", "1", "--producer-id", String.valueOf(producerId),
            "--producer-epoch", "0", "--coordinator-epoch", "-1");
        assertEquals(OpenTransactions.logEnd(admin, tp), OpenTransactions.readCommittedEnd(admin, tp));
        KafkaTool.Result afterwards = transactions("find-hanging", "--topic", "orphaned", "--max-transaction-timeout", "0");
        assertTrue(rows(afterwards, "orphaned").isEmpty(), afterwards::describe);
    }
}
