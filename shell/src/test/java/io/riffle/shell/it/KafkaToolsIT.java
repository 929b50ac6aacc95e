package io.riffle.shell.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own command-line tools, unchanged, against one Riffle node in a child JVM: the admin
 * path (create/describe topics), the console producer read back by the Java consumer, the
 * producer perf tool, and offset listing.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class KafkaToolsIT {

    @TempDir
    static Path dataDir;
    private static RiffleProcess riffle;

    @BeforeAll
    static void startRiffle() throws Exception {
        riffle = RiffleProcess.start(dataDir);
    }

    @AfterAll
    static void stopRiffle() throws Exception {
        if (riffle != null) {
            riffle.close();
        }
    }

    @Test
    void topicsCreateThenDescribeShowsThePartitions() throws Exception {
        createTopic("described", 3);

        KafkaTool.Result describe = KafkaTool.run(KafkaTool.TOPIC_COMMAND,
            "--bootstrap-server", riffle.bootstrap(), "--describe", "--topic", "described");

        assertEquals(0, describe.exitCode(), describe::describe);
        assertTrue(describe.stdout().contains("Topic: described"), describe::describe);
        assertTrue(describe.stdout().contains("PartitionCount: 3"), describe::describe);
        for (int partition = 0; partition < 3; partition++) {
            assertTrue(Pattern.compile("Partition: " + partition + "\\b").matcher(describe.stdout()).find(),
                describe::describe);
        }
    }

    @Test
    void consoleProducerLinesAreReadBackByTheJavaConsumer() throws Exception {
        // One partition, so the order of the lines is part of what is checked.
        createTopic("console", 1);
        List<String> lines = IntStream.range(0, 50).mapToObj(i -> "line " + i + " of the console producer")
            .toList();

        KafkaTool.Result produce = KafkaTool.run(Duration.ofSeconds(120), KafkaTool.CONSOLE_PRODUCER,
            String.join("\n", lines) + "\n",
            "--bootstrap-server", riffle.bootstrap(), "--topic", "console", "--request-required-acks", "all");

        assertEquals(0, produce.exitCode(), produce::describe);
        assertEquals(lines, readAll("console", lines.size()));
    }

    @Test
    void producerPerformanceRecordsAreAllCountedByGetOffsetShell() throws Exception {
        createTopic("perf", 3);
        int records = 20_000;

        KafkaTool.Result perf = KafkaTool.run(KafkaTool.PRODUCER_PERFORMANCE,
            "--bootstrap-server", riffle.bootstrap(), "--topic", "perf", "--num-records", String.valueOf(records),
            "--record-size", "100", "--throughput", "-1", "--command-property", "acks=all");

        assertEquals(0, perf.exitCode(), perf::describe);
        assertTrue(perf.stdout().contains(records + " records sent"), perf::describe);

        KafkaTool.Result offsets = KafkaTool.run(KafkaTool.GET_OFFSET_SHELL,
            "--bootstrap-server", riffle.bootstrap(), "--topic", "perf");

        assertEquals(0, offsets.exitCode(), offsets::describe);
        // One "topic:partition:offset" line per partition.
        Matcher line = Pattern.compile("(?m)^perf:(\\d+):(\\d+)$").matcher(offsets.stdout());
        long sum = 0;
        int partitions = 0;
        while (line.find()) {
            sum += Long.parseLong(line.group(2));
            partitions++;
        }
        assertEquals(3, partitions, offsets::describe);
        assertEquals(records, sum, offsets::describe);
    }

    private static void createTopic(String topic, int partitions) throws Exception {
        KafkaTool.Result create = KafkaTool.run(KafkaTool.TOPIC_COMMAND,
            "--bootstrap-server", riffle.bootstrap(), "--create", "--topic", topic,
            "--partitions", String.valueOf(partitions), "--replication-factor", "1");
        assertEquals(0, create.exitCode(), create::describe);
    }

    /** Reads the topic from the beginning without a consumer group (assign, not subscribe). */
    private static List<String> readAll(String topic, int expected) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, riffle.bootstrap());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(PartitionInfo::partition).sorted().map(p -> new TopicPartition(topic, p))
                .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // Same thread: the consumer is single-threaded; poll() itself waits for data.
            await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                return values.size() >= expected;
            });
        }
        return values;
    }
}
