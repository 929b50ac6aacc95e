package io.riffle.processor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.riffle.log.BrokerFixture;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A windowed count and its suppressed final results against a real Riffle broker under
 * exactly_once_v2, across a restart on the same state (checkpoint) and a restart with the local
 * state deleted (window store and suppression buffer restored from their changelogs): the
 * counts are exact and every closed window's final result is emitted exactly once.
 */
class WindowedCountIntegrationTest {
    private static final Serde<String> S = Serdes.String();
    private static final Serde<Long> L = Serdes.Long();
    private static final String INPUT = "clicks";
    private static final String COUNTS = "clicks-per-window";
    private static final String FINALS = "final-clicks-per-window";
    private static final long T0 = 1_700_000_000_000L;
    private static final long WINDOW = 10_000;
    private static final int PARTITIONS = 3;
    private BrokerFixture broker;
    private Path stateDir;

    @BeforeEach
    void setUp() throws Exception {
        broker = new BrokerFixture(Map.of());
        stateDir = WordCountHarness.tempDir();
        broker.admin().createTopics(List.of(new NewTopic(INPUT, Optional.of(PARTITIONS), Optional.empty()),
            new NewTopic(COUNTS, Optional.of(PARTITIONS), Optional.empty()),
            new NewTopic(FINALS, Optional.of(PARTITIONS), Optional.empty()))).all().get();
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
        WordCountHarness.delete(stateDir);
    }

    private static Topology topology() {
        StreamsBuilder b = new StreamsBuilder();
        KTable<Windowed<String>, Long> counts = b.stream(INPUT, Consumed.with(S, S))
            .groupByKey(Grouped.with(S, S))
            .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(WINDOW)))
            .count(Materialized.as("click-counts"));
        counts.toStream()
            .map((w, c) -> KeyValue.pair(w.key() + "@" + (w.window().start() - T0), c))
            .to(COUNTS, Produced.with(S, L));
        counts.suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()).withName("final-clicks"))
            .toStream()
            .map((w, c) -> KeyValue.pair(w.key() + "@" + (w.window().start() - T0), c))
            .to(FINALS, Produced.with(S, L));
        return b.build();
    }

    /** Record i: user i % 7 at T0 + i * 100 ms (in time order within every partition). */
    private static List<ProducerRecord<byte[], byte[]>> clicks(int from, int to) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            records.add(new ProducerRecord<>(INPUT, null, T0 + i * 100L, ("user" + i % 7).getBytes(), "click".getBytes()));
        }
        return records;
    }

    private static Map<String, Long> expected(int to) {
        Map<String, Long> counts = new HashMap<>();
        for (int i = 0; i < to; i++) {
            counts.merge("user" + i % 7 + "@" + (i * 100L / WINDOW * WINDOW), 1L, Long::sum);
        }
        return counts;
    }

    private void produce(List<ProducerRecord<byte[], byte[]>> records) {
        KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of());
        records.forEach(producer::send);
        producer.flush();
    }

    /** Reads a topic with read_committed: latest value per key, and how often each key was seen. */
    private final class Reader {
        final KafkaConsumer<byte[], byte[]> consumer;
        final Map<String, Long> latest = new HashMap<>();
        final Map<String, Integer> seen = new HashMap<>();

        Reader(String topic) {
            consumer = broker.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        Map<String, Long> poll() {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                String key = new String(r.key());
                if (!key.startsWith("flush")) {
                    latest.put(key, L.deserializer().deserialize(COUNTS, r.value()));
                    seen.merge(key, 1, Integer::sum);
                }
            }
            return latest;
        }
    }

    @Test
    void windowedCountAndFinalResultsAreExactAcrossRestarts() throws Exception {
        var props = WordCountHarness.props(broker, "windowed-eos", stateDir, "exactly_once_v2");
        Reader counts = new Reader(COUNTS);
        Reader finals = new Reader(FINALS);
        produce(clicks(0, 1000));
        try (RiffleStreams streams = new RiffleStreams(topology(), props)) {
            streams.start();
            await().atMost(Duration.ofSeconds(40)).until(() -> counts.poll().equals(expected(1000)));
        }
        produce(clicks(1000, 2000));
        try (RiffleStreams streams = new RiffleStreams(topology(), props)) {
            streams.start(); // same state directory: only the changelog tails are replayed
            await().atMost(Duration.ofSeconds(40)).until(() -> counts.poll().equals(expected(2000)));
        }
        WordCountHarness.delete(stateDir);
        List<ProducerRecord<byte[], byte[]>> last = clicks(2000, 3000);
        for (int p = 0; p < PARTITIONS; p++) { // advances every task's stream time past every window
            last.add(new ProducerRecord<>(INPUT, p, T0 + 3_600_000L, ("flush" + p).getBytes(), "x".getBytes()));
        }
        produce(last);
        try (RiffleStreams streams = new RiffleStreams(topology(), props)) {
            streams.start(); // no local state: window store and suppression buffer restored from their changelogs
            await().atMost(Duration.ofSeconds(40)).until(() -> counts.poll().equals(expected(3000)));
            await().atMost(Duration.ofSeconds(20)).until(() -> finals.poll().equals(expected(3000)));
            assertTrue(streams.restoredRecords() > 0, "restored " + streams.restoredRecords());
        }
        finals.poll();
        for (Map.Entry<String, Integer> e : finals.seen.entrySet()) {
            assertEquals(1, e.getValue(), "final result of " + e.getKey() + " emitted " + e.getValue() + " times");
        }
        var config = broker.admin().describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
            org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "windowed-eos-click-counts-changelog"))).all().get()
            .values().iterator().next();
        assertEquals("compact,delete", config.get("cleanup.policy").value());
        assertEquals(String.valueOf(Duration.ofDays(2).toMillis()), config.get("retention.ms").value(), "store retention (1 day) + 1 day");
    }
}
