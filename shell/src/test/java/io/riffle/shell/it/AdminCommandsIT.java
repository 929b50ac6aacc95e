package io.riffle.shell.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code riffle} admin commands ({@code topic}, {@code produce}, {@code consume},
 * {@code group}), each run as a child JVM from the packaged distribution, against one Riffle node
 * in another child JVM. The same commands work against Apache Kafka; the group tests state Kafka's
 * semantics (committed offsets, lag, reset only while the group is empty), so they pass once
 * Riffle's group coordinator serves the classic group protocol.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AdminCommandsIT {

    private static final Pattern PRODUCED = Pattern.compile("(\\d+)@(\\d+)");
    private static final Pattern TOTAL_LAG = Pattern.compile("\"total_lag\":(\\d+)");
    private static final Pattern LAG = Pattern.compile("\"lag\":(\\d+|null)");

    @TempDir
    static Path dataDir;
    private static RiffleProcess riffle;
    /** The broker the commands talk to: the Riffle node, or {@code -Driffle.it.bootstrap}. */
    private static String bootstrap;

    @BeforeAll
    static void startRiffle() throws Exception {
        // Set riffle.it.bootstrap to run the same checks against another broker (Apache Kafka)
        // on a fresh cluster: the tests' topics and groups must not exist yet.
        bootstrap = System.getProperty("riffle.it.bootstrap");
        if (bootstrap == null) {
            riffle = RiffleProcess.start(dataDir);
            bootstrap = riffle.bootstrap();
        }
    }

    @AfterAll
    static void stopRiffle() throws Exception {
        if (riffle != null) {
            riffle.close();
        }
    }

    @Test
    void topicIsCreatedListedDescribedAlteredAndDeleted() throws Exception {
        ok(riffle("topic", "create", "lifecycle", "--partitions", "3", "--config", "retention.ms=123456"));

        KafkaTool.Result list = ok(riffle("topic", "list", "--output", "json"));
        assertTrue(list.stdout().contains("{\"topic\":\"lifecycle\",\"partitions\":3,\"replication_factor\":1}"),
            list::describe);
        KafkaTool.Result csv = ok(riffle("topic", "list", "--output", "csv"));
        assertTrue(csv.stdout().startsWith("TOPIC,PARTITIONS,REPLICATION-FACTOR\n"), csv::describe);
        assertTrue(csv.stdout().contains("\nlifecycle,3,1\n"), csv::describe);

        KafkaTool.Result describe = ok(riffle("topic", "describe", "lifecycle", "--output", "json"));
        assertTrue(describe.stdout().contains("\"retention.ms\":\"123456\""), describe::describe);
        for (int p = 0; p < 3; p++) {
            assertTrue(describe.stdout().contains("{\"partition\":" + p + ","), describe::describe);
        }
        KafkaTool.Result table = ok(riffle("topic", "describe", "lifecycle"));
        assertTrue(table.stdout().contains("Partitions: 3"), table::describe);
        assertTrue(table.stdout().contains("PARTITION  LEADER"), table::describe);

        ok(riffle("topic", "alter", "lifecycle", "--config", "retention.ms=999999", "--config", "cleanup.policy=compact"));
        KafkaTool.Result altered = ok(riffle("topic", "describe", "lifecycle", "--output", "json"));
        assertTrue(altered.stdout().contains("\"retention.ms\":\"999999\""), altered::describe);
        assertTrue(altered.stdout().contains("\"cleanup.policy\":\"compact\""), altered::describe);

        ok(riffle("topic", "alter", "lifecycle", "--delete-config", "retention.ms"));
        KafkaTool.Result reverted = ok(riffle("topic", "describe", "lifecycle", "--output", "json"));
        assertFalse(reverted.stdout().contains("retention.ms"), reverted::describe);
        assertTrue(reverted.stdout().contains("\"cleanup.policy\":\"compact\""), reverted::describe);

        ok(riffle("topic", "delete", "lifecycle"));
        KafkaTool.Result afterDelete = ok(riffle("topic", "list", "--output", "csv"));
        assertFalse(afterDelete.stdout().contains("\nlifecycle,"), afterDelete::describe);
        failsWith(riffle("topic", "describe", "lifecycle"), "riffle topic describe: topic 'lifecycle' does not exist");
    }

    @Test
    void topicMistakesAreReportedSpecifically() throws Exception {
        ok(riffle("topic", "create", "twice", "--partitions", "1"));
        failsWith(riffle("topic", "create", "twice"), "riffle topic create: topic 'twice' already exists");
        failsWith(riffle("topic", "delete", "never-created"), "topic 'never-created' does not exist");
        failsWith(riffle("topic", "alter", "never-created", "--config", "retention.ms=1"),
            "topic 'never-created' does not exist");
        failsWith(riffle(Duration.ofSeconds(90), "x\n", "produce", "never-created"),
            "riffle produce: topic 'never-created' does not exist");
        failsWith(riffle("consume", "never-created", "--timeout-ms", "1000"),
            "riffle consume: topic 'never-created' does not exist");
        failsWith(riffle("consume", "twice", "--partition", "5"), "topic 'twice' has no partition 5");

        KafkaTool.Result usage = riffle("topic", "alter", "twice");
        assertEquals(2, usage.exitCode(), usage::describe);
        assertTrue(usage.stderr().contains("nothing to change"), usage::describe);
    }

    @Test
    void unreachableBrokerFailsWithinTheTimeout() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        KafkaTool.Result result = RiffleCli.run(Duration.ofSeconds(60), null,
            "topic", "list", "--bootstrap", "127.0.0.1:" + closedPort, "--timeout-ms", "2000");

        assertFalse(result.timedOut(), result::describe);
        assertEquals(1, result.exitCode(), result::describe);
        assertTrue(result.stderr().contains("no answer from the broker at 127.0.0.1:" + closedPort + " within 2000 ms"),
            result::describe);
    }

    @Test
    void producedLinesAreConsumedBackWithTheirKeys() throws Exception {
        ok(riffle("topic", "create", "lines", "--partitions", "2"));
        List<String> lines = IntStream.range(0, 20).mapToObj(i -> "key-" + i + ":value " + i).toList();

        KafkaTool.Result produce = ok(riffle(Duration.ofSeconds(90), String.join("\n", lines) + "\n",
            "produce", "lines", "--key-separator", ":", "--verbose"));
        List<String> positions = produce.stdout().lines().toList();
        assertEquals(20, positions.size(), produce::describe);
        List<Integer> partitionOf = new ArrayList<>();
        for (String position : positions) {
            Matcher matcher = PRODUCED.matcher(position);
            assertTrue(matcher.matches(), produce::describe);
            partitionOf.add(Integer.parseInt(matcher.group(1)));
        }

        KafkaTool.Result all = ok(riffle("consume", "lines", "--from-beginning", "--max-messages", "20", "--print-key"));
        Set<String> expected = new HashSet<>();
        lines.forEach(line -> expected.add(line.replaceFirst(":", "\t")));
        assertEquals(expected, new HashSet<>(all.stdout().lines().toList()), all::describe);

        // One partition from an explicit offset: exactly that partition's lines, in the order sent.
        KafkaTool.Result partitionZero = ok(riffle("consume", "lines", "--partition", "0", "--offset", "0",
            "--timeout-ms", "3000"));
        List<String> expectedZero = IntStream.range(0, 20).filter(i -> partitionOf.get(i) == 0)
            .mapToObj(i -> "value " + i).toList();
        assertEquals(expectedZero, partitionZero.stdout().lines().toList(), partitionZero::describe);

        // Without --from-beginning only new records are read: none arrive, so nothing is printed.
        KafkaTool.Result latest = ok(riffle("consume", "lines", "--timeout-ms", "2000"));
        assertEquals("", latest.stdout(), latest::describe);
    }

    @Test
    void groupCommittedOffsetsLagAndResetFollowKafkaSemantics() throws Exception {
        ok(riffle("topic", "create", "grouped", "--partitions", "3"));
        produceLines("grouped", 30, "first");

        KafkaTool.Result consumed = ok(riffle("consume", "grouped", "--group", "g1", "--from-beginning",
            "--max-messages", "30", "--timeout-ms", "60000"));
        assertEquals(30, consumed.stdout().lines().count(), consumed::describe);

        KafkaTool.Result list = ok(riffle("group", "list", "--output", "json"));
        assertTrue(list.stdout().contains("\"group\":\"g1\""), list::describe);
        assertTrue(list.stdout().contains("\"protocol_type\":\"consumer\""), list::describe);

        KafkaTool.Result described = ok(riffle("group", "describe", "g1", "--output", "json"));
        assertEquals(0, totalLag(described), described::describe);
        // Records without keys may all land in one partition: every partition with a commit has lag 0.
        assertFalse(lags(described).isEmpty(), described::describe);
        assertTrue(lags(described).stream().allMatch("0"::equals), described::describe);
        KafkaTool.Result table = ok(riffle("group", "describe", "g1"));
        assertTrue(table.stdout().contains("TOPIC    PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG"), table::describe);

        produceLines("grouped", 10, "second");
        KafkaTool.Result behind = ok(riffle("group", "describe", "g1", "--output", "json"));
        assertEquals(10, totalLag(behind), behind::describe);

        KafkaTool.Result dryRun = ok(riffle("group", "reset-offsets", "g1", "--topic", "grouped", "--to-earliest"));
        assertTrue(dryRun.stderr().contains("Dry run"), dryRun::describe);
        assertEquals(10, totalLag(ok(riffle("group", "describe", "g1", "--output", "json"))), "a dry run changes nothing");

        ok(riffle("group", "reset-offsets", "g1", "--topic", "grouped", "--to-earliest", "--execute"));
        KafkaTool.Result reset = ok(riffle("group", "describe", "g1", "--output", "json"));
        assertEquals(40, totalLag(reset), reset::describe);

        ok(riffle("group", "reset-offsets", "g1", "--topic", "grouped", "--to-latest", "--execute"));
        assertEquals(0, totalLag(ok(riffle("group", "describe", "g1", "--output", "json"))));

        ok(riffle("group", "delete", "g1"));
        KafkaTool.Result afterDelete = ok(riffle("group", "list", "--output", "json"));
        assertFalse(afterDelete.stdout().contains("\"group\":\"g1\""), afterDelete::describe);
        failsWith(riffle("group", "describe", "g1"), "riffle group describe: group 'g1' does not exist");
        failsWith(riffle("group", "delete", "g1"), "riffle group delete: group 'g1' does not exist");
    }

    @Test
    void activeGroupCannotBeResetOrDeleted() throws Exception {
        ok(riffle("topic", "create", "busy", "--partitions", "1"));
        produceLines("busy", 1, "only");
        // A member that stays: it reads the one record, then waits for more until its idle timeout.
        Thread member = new Thread(() -> {
            try {
                RiffleCli.run(Duration.ofSeconds(120), null, "consume", "busy", "--group", "busy-group",
                    "--from-beginning", "--timeout-ms", "30000", "--bootstrap", bootstrap);
            } catch (IOException | InterruptedException e) {
                // The test's assertions report what matters.
            }
        }, "busy-group-member");
        member.start();
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> riffle("group", "describe", "busy-group", "--output", "json").stdout()
                    .contains("\"state\":\"Stable\""));

            failsWith(riffle("group", "reset-offsets", "busy-group", "--topic", "busy", "--to-earliest", "--execute"),
                "cannot reset the offsets of group 'busy-group' while it has 1 active member(s)");
            failsWith(riffle("group", "delete", "busy-group"), "group 'busy-group' still has active members");
        } finally {
            member.interrupt();
            member.join(30_000);
        }
    }

    private static void produceLines(String topic, int count, String prefix) throws Exception {
        String lines = String.join("\n", IntStream.range(0, count).mapToObj(i -> prefix + " " + i).toList()) + "\n";
        ok(riffle(Duration.ofSeconds(90), lines, "produce", topic));
    }

    private static long totalLag(KafkaTool.Result describe) {
        Matcher matcher = TOTAL_LAG.matcher(describe.stdout());
        assertTrue(matcher.find(), describe::describe);
        return Long.parseLong(matcher.group(1));
    }

    private static List<String> lags(KafkaTool.Result describe) {
        List<String> lags = new ArrayList<>();
        Matcher matcher = LAG.matcher(describe.stdout());
        while (matcher.find()) {
            lags.add(matcher.group(1));
        }
        return lags;
    }

    private static KafkaTool.Result riffle(String... args) throws IOException, InterruptedException {
        return riffle(Duration.ofSeconds(90), null, args);
    }

    private static KafkaTool.Result riffle(Duration timeout, String stdin, String... args)
        throws IOException, InterruptedException {
        List<String> withBootstrap = new ArrayList<>(List.of(args));
        withBootstrap.addAll(List.of("--bootstrap", bootstrap));
        return RiffleCli.run(timeout, stdin, withBootstrap.toArray(String[]::new));
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
