package io.riffle.shell.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka's group tools against a Riffle node: the console consumer and the consumer perf test
 * (which subscribe with a group), and kafka-consumer-groups listing, describing with lag and
 * resetting offsets.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ConsumerGroupToolsIT {
    static final String CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
    static final String CONSUMER_GROUP_COMMAND = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
    static final String CONSUMER_PERFORMANCE = "org.apache.kafka.tools.ConsumerPerformance";

    @TempDir
    static Path dataDir;
    private static RiffleProcess riffle;

    @BeforeAll
    static void startRiffle() throws Exception {
        riffle = RiffleProcess.start(dataDir, "--override", "group.initial.rebalance.delay.ms=0");
        KafkaTool.Result create = KafkaTool.run(KafkaTool.TOPIC_COMMAND, "--bootstrap-server", riffle.bootstrap(),
                "--create", "--topic", "cg", "--partitions", "2");
        assertEquals(0, create.exitCode(), create::describe);
        produce(0, 100);
    }

    @AfterAll
    static void stopRiffle() throws Exception {
        if (riffle != null) {
            riffle.close();
        }
    }

    private static void produce(int from, int to) throws Exception {
        String lines = IntStream.range(from, to).mapToObj(i -> "line-" + i).collect(Collectors.joining("\n")) + "\n";
        KafkaTool.Result r = KafkaTool.run(Duration.ofSeconds(120), KafkaTool.CONSOLE_PRODUCER, lines,
                "--bootstrap-server", riffle.bootstrap(), "--topic", "cg");
        assertEquals(0, r.exitCode(), r::describe);
    }

    private static KafkaTool.Result groups(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = riffle.bootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        KafkaTool.Result r = KafkaTool.run(CONSUMER_GROUP_COMMAND, all);
        assertEquals(0, r.exitCode(), r::describe);
        return r;
    }

    /** Sums a column of kafka-consumer-groups --describe output for the topic's rows. */
    private static long sumColumn(String describe, String column) {
        String[] lines = describe.split("\n");
        int index = -1;
        long sum = 0;
        for (String line : lines) {
            String[] cells = line.trim().split("\\s+");
            if (index < 0) {
                for (int i = 0; i < cells.length; i++) {
                    if (cells[i].equals(column)) {
                        index = i;
                    }
                }
                continue;
            }
            if (cells.length > index && cells[1].equals("cg")) {
                sum += Long.parseLong(cells[index]);
            }
        }
        assertTrue(index >= 0, "no " + column + " column in:\n" + describe);
        return sum;
    }

    @Test
    void consoleConsumerReadsWithAGroupAndTheGroupToolShowsLagAndResetsOffsets() throws Exception {
        KafkaTool.Result consumed = KafkaTool.run(Duration.ofSeconds(120), CONSOLE_CONSUMER, null,
                "--bootstrap-server", riffle.bootstrap(), "--topic", "cg", "--group", "tools-group",
                "--from-beginning", "--max-messages", "100");
        assertEquals(0, consumed.exitCode(), consumed::describe);
        assertEquals(100, consumed.stdout().lines().filter(l -> l.startsWith("line-")).count(), consumed::describe);

        assertTrue(groups("--list").stdout().lines().anyMatch("tools-group"::equals));
        String describe = groups("--describe", "--group", "tools-group").stdout();
        assertEquals(100, sumColumn(describe, "CURRENT-OFFSET"), describe);
        assertEquals(0, sumColumn(describe, "LAG"), describe);

        produce(100, 110);
        String afterMore = groups("--describe", "--group", "tools-group").stdout();
        assertEquals(10, sumColumn(afterMore, "LAG"), afterMore);

        String plan = groups("--reset-offsets", "--group", "tools-group", "--topic", "cg", "--to-earliest", "--dry-run")
                .stdout();
        assertTrue(plan.contains("NEW-OFFSET"), plan);
        assertEquals(100, sumColumn(groups("--describe", "--group", "tools-group").stdout(), "CURRENT-OFFSET"),
                "a dry run changes nothing");
        groups("--reset-offsets", "--group", "tools-group", "--topic", "cg", "--to-earliest", "--execute");
        String reset = groups("--describe", "--group", "tools-group").stdout();
        assertEquals(0, sumColumn(reset, "CURRENT-OFFSET"), reset);
        assertEquals(110, sumColumn(reset, "LAG"), reset);

        groups("--delete", "--group", "tools-group");
        assertTrue(groups("--list").stdout().lines().noneMatch("tools-group"::equals));
    }

    @Test
    void consumerPerfTestSubscribesAndReadsEverything() throws Exception {
        KafkaTool.Result perf = KafkaTool.run(CONSUMER_PERFORMANCE, "--bootstrap-server", riffle.bootstrap(),
                "--topic", "cg", "--messages", "100", "--group", "perf-group", "--timeout", "60000");
        assertEquals(0, perf.exitCode(), perf::describe);
        Matcher m = Pattern.compile("(?m)^[^,]+,\\s*[^,]+,\\s*[\\d.]+,\\s*[\\d.]+,\\s*(\\d+),").matcher(perf.stdout());
        assertTrue(m.find(), perf::describe);
        assertTrue(Long.parseLong(m.group(1)) >= 100, perf::describe);
    }
}
