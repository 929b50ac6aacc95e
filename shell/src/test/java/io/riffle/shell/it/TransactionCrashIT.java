package io.riffle.shell.it;

import static io.riffle.shell.it.TransactionalClients.awaitNoOpenTransaction;
import static io.riffle.shell.it.TransactionalClients.describe;
import static io.riffle.shell.it.TransactionalClients.readCommitted;
import static io.riffle.shell.it.TransactionalClients.transactionalProducer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The end of a transaction survives the coordinator's node dying at any step of it. A
 * transactional producer (the official client) writes to three partitions of two topics and
 * commits or aborts (or the coordinator aborts it, fencing the producer or timing it out); the
 * node halts at a crash point inside the end of the transaction (see
 * {@code io.riffle.log.txn.CrashPoints}) or is SIGKILLed at random moments; it is restarted
 * without the crash point, and then:
 * <ul>
 *   <li>decision stands: once Prepare* is durable, a commit is visible to read_committed in
 *       every partition and an abort in none; a transaction whose EndTxn never got as far as
 *       Prepare is invisible;</li>
 *   <li>partitions agree: each transaction is visible in all of its partitions or in none;</li>
 *   <li>no stuck reader: the last stable offset reaches the log end within a bound;</li>
 *   <li>the coordinator reports CompleteCommit/CompleteAbort;</li>
 *   <li>the transactional id is usable: a new producer with it initialises and commits.</li>
 * </ul>
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TransactionCrashIT {

    private static final String TRANSACTIONAL_ID = "crash-txn";
    private static final List<TopicPartition> PARTITIONS = List.of(
        new TopicPartition("orders", 0), new TopicPartition("orders", 1), new TopicPartition("payments", 0));
    private static final int RECORDS_PER_PARTITION = 10;
    /** The broker aborts a transaction left open by a crash once its 5 s timeout passes; check often. */
    private static final String[] BROKER_ARGS = {
        "--override", "transaction.abort.timed.out.transaction.cleanup.interval.ms=500"};
    private static final Duration STABLE_WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;
    private RiffleProcess riffle;
    private ScheduledExecutorService killer;

    @AfterEach
    void stopEverything() throws Exception {
        if (killer != null) {
            killer.shutdownNow();
            killer.awaitTermination(30, TimeUnit.SECONDS);
        }
        if (riffle != null) {
            riffle.close();
        }
    }

    /** Who ends the transaction whose end the node dies in. */
    enum Ending {
        /** The producer commits. */
        COMMIT,
        /** The producer aborts. */
        ABORT,
        /** A new producer with the same transactional id initialises: the coordinator aborts and fences. */
        FENCE,
        /** The producer goes away: the coordinator aborts the transaction when its timeout passes. */
        TIMEOUT;

        boolean commits() {
            return this == COMMIT;
        }
    }

    static List<Arguments> crashPoints() {
        List<Arguments> cases = new ArrayList<>();
        for (String point : List.of("txn.after-prepare", "txn.after-first-marker", "txn.before-complete")) {
            for (Ending ending : Ending.values()) {
                cases.add(Arguments.of(point, ending));
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("crashPoints")
    void decisionSurvivesACrashInsideEndTxn(String crashPoint, Ending ending) throws Exception {
        riffle = RiffleProcess.start(dataDir, List.of("-Driffle.crash.point=" + crashPoint), BROKER_ARGS);
        createTopics(riffle.bootstrap());

        KafkaProducer<String, String> producer = transactionalProducer(riffle.bootstrap(), TRANSACTIONAL_ID);
        try {
            producer.initTransactions();
            producer.beginTransaction();
            for (TopicPartition tp : PARTITIONS) {
                for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
                    producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, "crash-" + tp + "-" + i));
                }
            }
            producer.flush();
            // The end of the transaction reaches the crash point: the node halts before answering,
            // and the call that ended it fails in bounded time.
            switch (ending) {
                case COMMIT -> assertThrows(KafkaException.class, producer::commitTransaction);
                case ABORT -> assertThrows(KafkaException.class, producer::abortTransaction);
                case FENCE -> {
                    producer.close(Duration.ZERO); // forced: the client leaves its transaction open
                    try (KafkaProducer<String, String> successor =
                             transactionalProducer(riffle.bootstrap(), TRANSACTIONAL_ID)) {
                        assertThrows(KafkaException.class, successor::initTransactions);
                        successor.close(Duration.ZERO);
                    }
                }
                case TIMEOUT -> producer.close(Duration.ZERO); // the broker's timer ends it after 5 s
            }
        } finally {
            producer.close(Duration.ZERO);
        }
        assertEquals(137, riffle.awaitExit(Duration.ofSeconds(30)),
            "the node should have halted at " + crashPoint + "; see " + riffle.output());

        riffle.restart(List.of());
        String bootstrap = riffle.bootstrap();
        awaitNoOpenTransaction(bootstrap, PARTITIONS, STABLE_WITHIN);
        Map<TopicPartition, List<String>> visible = readCommitted(bootstrap, PARTITIONS);
        for (TopicPartition tp : PARTITIONS) {
            assertEquals(ending.commits() ? RECORDS_PER_PARTITION : 0, visible.get(tp).size(),
                tp + ": the " + (ending.commits() ? "commit" : "abort") + " decided before " + crashPoint
                    + " must hold in every partition; read_committed saw " + visible.get(tp));
        }
        assertEquals(ending.commits() ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT,
            describe(bootstrap, TRANSACTIONAL_ID).state());
        checkTransactionalIdStillUsable(bootstrap, visible);
    }

    /**
     * Transactions (commits and, by a seeded choice, aborts) run in a loop while the node is
     * SIGKILLed at seeded random moments; after each kill it is restarted and a new producer
     * instance carries on. Afterwards each transaction is visible whole or not at all, every
     * acknowledged commit is visible, and no acknowledged abort is.
     */
    @Test
    void transactionsStayAtomicWhenTheNodeIsKilledAtRandom() throws Exception {
        long seed = Long.getLong("riffle.it.seed", 0x7A5C_F00DL);
        System.out.println("TransactionCrashIT seed " + seed + " (rerun with -Driffle.it.seed=" + seed + ")");
        Random random = new Random(seed);
        riffle = RiffleProcess.start(dataDir, BROKER_ARGS);
        createTopics(riffle.bootstrap());
        killer = Executors.newSingleThreadScheduledExecutor();

        Set<Integer> acknowledgedCommits = new HashSet<>();
        Set<Integer> acknowledgedAborts = new HashSet<>();
        Set<Integer> attempted = new HashSet<>();
        int transaction = 0;
        int kills = 4;
        for (int round = 0; round < kills; round++) {
            long killAfterMs = 100 + random.nextInt(900);
            String bootstrap = riffle.bootstrap();
            ScheduledFuture<?> kill = null;
            try (KafkaProducer<String, String> producer = transactionalProducer(bootstrap, TRANSACTIONAL_ID)) {
                producer.initTransactions();
                RiffleProcess node = riffle;
                kill = killer.schedule(() -> {
                    node.kill9();
                    return null;
                }, killAfterMs, TimeUnit.MILLISECONDS);
                // Bounded: the kill ends the loop within one request timeout.
                while (true) {
                    int id = transaction++;
                    boolean abort = random.nextInt(4) == 0;
                    attempted.add(id);
                    try {
                        producer.beginTransaction();
                        for (TopicPartition tp : PARTITIONS) {
                            producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, "t" + id));
                        }
                        if (abort) {
                            producer.abortTransaction();
                            acknowledgedAborts.add(id);
                        } else {
                            producer.commitTransaction();
                            acknowledgedCommits.add(id);
                        }
                    } catch (KafkaException e) {
                        break; // the node is gone: this transaction's outcome is unknown
                    }
                }
                producer.close(Duration.ZERO);
            }
            kill.get(30, TimeUnit.SECONDS);
            riffle.restart();
        }
        System.out.printf("%d transactions attempted over %d kills: %d commits and %d aborts acknowledged%n",
            attempted.size(), kills, acknowledgedCommits.size(), acknowledgedAborts.size());
        assertTrue(acknowledgedCommits.size() >= kills, "too few transactions committed to prove anything");

        String bootstrap = riffle.bootstrap();
        awaitNoOpenTransaction(bootstrap, PARTITIONS, STABLE_WITHIN);
        Map<TopicPartition, List<String>> visible = readCommitted(bootstrap, PARTITIONS);
        Map<String, Integer> partitionsShowing = new HashMap<>();
        for (TopicPartition tp : PARTITIONS) {
            List<String> values = visible.get(tp);
            if (new HashSet<>(values).size() != values.size()) {
                fail(tp + ": a transaction's record appears twice: " + values);
            }
            values.forEach(v -> partitionsShowing.merge(v, 1, Integer::sum));
        }
        partitionsShowing.forEach((txn, count) -> assertEquals(PARTITIONS.size(), count,
            "transaction " + txn + " is visible in " + count + " of its " + PARTITIONS.size() + " partitions"));
        for (int id : acknowledgedCommits) {
            assertTrue(partitionsShowing.containsKey("t" + id), "acknowledged commit t" + id + " is lost");
        }
        for (int id : acknowledgedAborts) {
            assertTrue(!partitionsShowing.containsKey("t" + id), "acknowledged abort t" + id + " is visible");
        }
        TransactionState state = describe(bootstrap, TRANSACTIONAL_ID).state();
        assertTrue(state == TransactionState.COMPLETE_COMMIT || state == TransactionState.COMPLETE_ABORT,
            "after restart the transaction is " + state);
        checkTransactionalIdStillUsable(bootstrap, visible);
    }

    /** A new producer with the same transactional id initialises, commits, and its records become visible. */
    private static void checkTransactionalIdStillUsable(String bootstrap, Map<TopicPartition, List<String>> before)
            throws Exception {
        try (KafkaProducer<String, String> producer = transactionalProducer(bootstrap, TRANSACTIONAL_ID)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (TopicPartition tp : PARTITIONS) {
                producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, "after-restart"));
            }
            producer.commitTransaction();
        }
        awaitNoOpenTransaction(bootstrap, PARTITIONS, STABLE_WITHIN);
        Map<TopicPartition, List<String>> after = readCommitted(bootstrap, PARTITIONS);
        for (TopicPartition tp : PARTITIONS) {
            List<String> expected = new ArrayList<>(before.get(tp));
            expected.add("after-restart");
            assertEquals(expected, after.get(tp), tp + ": the new producer's commit");
        }
        assertEquals(TransactionState.COMPLETE_COMMIT, describe(bootstrap, TRANSACTIONAL_ID).state());
    }

    private static void createTopics(String bootstrap) throws Exception {
        try (Admin admin = TransactionalClients.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic("orders", 2, (short) 1), new NewTopic("payments", 1, (short) 1)))
                .all().get(60, TimeUnit.SECONDS);
        }
    }
}
