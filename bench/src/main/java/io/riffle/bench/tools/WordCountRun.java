package io.riffle.bench.tools;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What the two word-count applications of the processor bench share, so that both are measured
 * alike: the arguments, a counter both topologies bump in a {@code peek} right before the
 * count (after the repartition topic), the timing (first line seen → last word counted), and
 * the check that the output topic's final counts add up to every input word.
 * Counters are written by the stream thread and read by the main thread (atomics).
 */
final class WordCountRun {
    static final int WORDS_PER_LINE = 10;
    static final java.util.Set<String> OPTIONS = java.util.Set.of("--bootstrap-server", "--input", "--output",
        "--guarantee", "--lines", "--application-id", "--state-dir", "--timeout-seconds");

    final String bootstrap;
    final String input;
    final String output;
    final String guarantee;
    final long expectedWords;
    final String applicationId;
    final String stateDir;
    final long timeoutMs;
    final AtomicLong words = new AtomicLong();
    private final AtomicLong firstLineNanos = new AtomicLong();

    WordCountRun(String tool, String[] args) {
        ToolArguments a = new ToolArguments(tool, args, OPTIONS);
        bootstrap = a.required("--bootstrap-server");
        input = a.required("--input");
        output = a.required("--output");
        guarantee = a.text("--guarantee", "at_least_once");
        expectedWords = a.number("--lines", 1_000_000, 1) * WORDS_PER_LINE;
        applicationId = a.required("--application-id");
        stateDir = a.required("--state-dir");
        timeoutMs = a.number("--timeout-seconds", 600, 1) * 1000;
    }

    /** Called for every input line (peek at the source). */
    void lineSeen() {
        if (firstLineNanos.get() == 0) {
            firstLineNanos.compareAndSet(0, System.nanoTime());
        }
    }

    /** Waits until every word was counted; returns seconds from the first line to the last word. */
    double awaitAllWords() throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (words.get() < expectedWords) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("only " + words.get() + " of " + expectedWords + " words counted within the timeout");
            }
            Thread.sleep(2);
        }
        return (System.nanoTime() - firstLineNanos.get()) / 1e9;
    }

    /** Reads the output topic (read_committed) until the latest count of each word adds up to every input word. */
    long verifyOutput() {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new LongDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(output).stream()
                .map((PartitionInfo p) -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<String, Long> latest = new HashMap<>();
            long sum = 0;
            long deadline = System.currentTimeMillis() + 120_000;
            while (sum != expectedWords && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, Long> r : consumer.poll(Duration.ofMillis(200))) {
                    Long before = latest.put(r.key(), r.value());
                    sum += r.value() - (before == null ? 0 : before);
                }
            }
            return sum;
        }
    }

    void report(String tool, double seconds, long verifiedWords) {
        System.out.println(String.format(Locale.ROOT, "RESULT %s words=%d seconds=%.3f words.per.sec=%.0f verified.words=%d",
            tool, expectedWords, seconds, expectedWords / seconds, verifiedWords));
    }
}
