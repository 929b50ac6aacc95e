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
import java.util.concurrent.ConcurrentHashMap;

import io.riffle.processor.internal.InternalTopicManager;
import io.riffle.processor.internal.InternalTopology;
import io.riffle.processor.internal.RecordCollector;
import io.riffle.processor.internal.StreamTask;
import io.riffle.processor.internal.TaskId;
import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.KeyValueStore;
import io.riffle.processor.state.internal.RocksDBResources;
import io.riffle.processor.state.internal.ThreadCache;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Changelogs, checkpoints and restoration against a real broker: the changelog holds the store,
 * a restart with a checkpoint replays only the tail, deleted state is rebuilt to the same
 * counts; and two instances share the tasks, one leaves, the other takes over.
 * {@link KafkaRestoreAndFailoverIntegrationTest} runs the same against Apache Kafka.
 */
class RestoreAndFailoverIntegrationTest {
    private TestBroker broker;
    private final List<Path> dirs = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        broker = startBroker();
        WordCountHarness.createTopics(broker, 4);
    }

    /** The broker the suite runs against: Riffle here, Apache Kafka in the portability subclass. */
    TestBroker startBroker() throws Exception {
        return RiffleTestBroker.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
        for (Path d : dirs) {
            WordCountHarness.delete(d);
        }
    }

    private Path newDir() throws Exception {
        Path d = WordCountHarness.tempDir();
        dirs.add(d);
        return d;
    }

    /** A count task (sub-topology 1, partition 0) whose changelog writes go to the broker. */
    private final class CountTask implements AutoCloseable {
        final StreamTask task;
        final KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of());
        final Map<TopicPartition, Long> acked = new ConcurrentHashMap<>();
        long offset;

        CountTask(Topology topology, Path taskDir, RocksDBResources rocks) {
            RecordCollector collector = new RecordCollector() {
                @Override
                public void send(String topic, Integer partition, byte[] key, byte[] value, long timestamp, Headers headers) {
                    producer.send(new ProducerRecord<>(topic, partition, timestamp, key, value, headers), (md, e) -> {
                        if (e == null) {
                            acked.merge(new TopicPartition(md.topic(), md.partition()), md.offset() + 1, Math::max);
                        }
                    });
                }

                @Override
                public Map<TopicPartition, Long> acknowledgedOffsets() {
                    return acked;
                }
            };
            InternalTopology internal = topology.internal();
            task = new StreamTask(new TaskId(1, 0), internal.subtopologies().get(1), internal, "restore", taskDir, collector,
                new ThreadCache(1 << 20, () -> { }), rocks, Serdes.ByteArray(), Serdes.ByteArray());
            KafkaConsumer<byte[], byte[]> restoreConsumer = broker.consumer(Map.of());
            task.stateManager().restore(restoreConsumer, Duration.ofSeconds(30));
            task.initializeProcessors();
        }

        void count(List<String> words) {
            for (String w : words) {
                byte[] b = w.getBytes();
                task.process(new ConsumerRecord<>("restore-counts-repartition", 0, offset++, 1L, TimestampType.CREATE_TIME, b.length, b.length,
                    b, b, new RecordHeaders(), Optional.empty()));
            }
            task.prepareCommit();
            producer.flush();
            task.postCommit(acked, false);
        }

        Map<String, Long> contents() {
            Map<String, Long> result = new HashMap<>();
            @SuppressWarnings("unchecked")
            KeyValueStore<String, Long> store = (KeyValueStore<String, Long>) task.store(WordCountHarness.STORE);
            try (KeyValueIterator<String, Long> it = store.all()) {
                it.forEachRemaining(kv -> result.put(kv.key(), kv.value()));
            }
            return result;
        }

        @Override
        public void close() {
            producer.close();
        }
    }

    @Test
    void checkpointReplaysOnlyTheTailAndDeletedStateIsRebuiltFromTheChangelog() throws Exception {
        Topology topology = WordCountHarness.topology();
        try (var admin = broker.admin()) {
            new InternalTopicManager(admin, "restore", Duration.ofSeconds(30)).setUp(topology.internal());
        }
        Path taskDir = newDir().resolve("1_0");
        List<String> first = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            first.add("w" + (i % 100)); // 100 distinct keys, 3 each
        }
        List<String> second = List.of("w1", "w2", "w3", "extra");
        Map<String, Long> expected = new HashMap<>();
        first.forEach(w -> expected.merge(w, 1L, Long::sum));
        second.forEach(w -> expected.merge(w, 1L, Long::sum));

        try (RocksDBResources rocks = new RocksDBResources(8L << 20, 4L << 20)) {
            try (CountTask t = new CountTask(topology, taskDir, rocks)) {
                assertEquals(0, t.task.stateManager().restoredRecords());
                t.count(first); // one commit: 100 changelog records (the cache deduplicates per key)
                t.task.closeClean(); // checkpoint at the changelog end
            }
            try (CountTask t = new CountTask(topology, taskDir, rocks)) {
                assertEquals(0, t.task.stateManager().restoredRecords(), "clean restart: nothing to replay");
                t.count(second); // 4 more changelog records, below the checkpoint delta: checkpoint not rewritten
                t.task.closeDirty(); // as after a crash: the checkpoint is behind the changelog
            }
            try (CountTask t = new CountTask(topology, taskDir, rocks)) {
                assertEquals(4, t.task.stateManager().restoredRecords(), "only the tail after the checkpoint is replayed");
                assertEquals(expected, t.contents());
                t.task.closeClean();
            }
            WordCountHarness.delete(taskDir); // local state lost
            try (CountTask t = new CountTask(topology, taskDir, rocks)) {
                assertEquals(104, t.task.stateManager().restoredRecords(), "the whole changelog is replayed");
                assertEquals(expected, t.contents());
                t.task.closeClean();
            }
        }
        // the changelog is compacted, named <app>-<store>-changelog, and has the task count of partitions
        try (var admin = broker.admin()) {
            var configs = admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "restore-counts-changelog"))).all().get();
            assertEquals("compact", configs.values().iterator().next().get("cleanup.policy").value());
            assertEquals(4, admin.describeTopics(List.of("restore-counts-changelog")).allTopicNames().get()
                .get("restore-counts-changelog").partitions().size());
        }
    }

    @Test
    void restartAfterDeletingStateProducesTheSameCounts() throws Exception {
        List<String> lines = WordCountHarness.lines(7, 1000);
        List<String> more = WordCountHarness.lines(8, 500);
        List<String> all = new ArrayList<>(lines);
        all.addAll(more);
        Path stateDir = newDir();
        WordCountHarness.OutputReader output = new WordCountHarness.OutputReader(broker, true);
        WordCountHarness.produceAsync(broker, lines);
        try (RiffleStreams streams = new RiffleStreams(WordCountHarness.topology(), WordCountHarness.props(broker, "wc-restore", stateDir, "exactly_once_v2"))) {
            streams.start();
            await().atMost(Duration.ofSeconds(40)).until(() -> output.poll().equals(WordCountHarness.expectedCounts(lines)));
        }
        WordCountHarness.delete(stateDir);
        WordCountHarness.produceAsync(broker, more);
        try (RiffleStreams streams = new RiffleStreams(WordCountHarness.topology(), WordCountHarness.props(broker, "wc-restore", stateDir, "exactly_once_v2"))) {
            streams.start();
            await().atMost(Duration.ofSeconds(40)).until(() -> output.poll().equals(WordCountHarness.expectedCounts(all)));
            assertTrue(streams.restoredRecords() >= 200, "restored " + streams.restoredRecords() + " changelog records");
        }
    }

    @Test
    void twoInstancesSplitTheTasksAndOneTakesOverWhenTheOtherLeaves() throws Exception {
        List<String> lines = WordCountHarness.lines(11, 2000);
        List<String> first = lines.subList(0, 1000);
        List<String> rest = lines.subList(1000, 2000);
        WordCountHarness.OutputReader output = new WordCountHarness.OutputReader(broker, true);
        RiffleStreams a = new RiffleStreams(WordCountHarness.topology(), WordCountHarness.props(broker, "wc-pair", newDir(), "exactly_once_v2"));
        RiffleStreams b = new RiffleStreams(WordCountHarness.topology(), WordCountHarness.props(broker, "wc-pair", newDir(), "exactly_once_v2"));
        try (a; b) {
            a.start();
            b.start();
            await().atMost(Duration.ofSeconds(40)).until(() -> a.state() == RiffleStreams.State.RUNNING && b.state() == RiffleStreams.State.RUNNING);
            WordCountHarness.produceAsync(broker, first);
            await().atMost(Duration.ofSeconds(40)).until(() -> output.poll().equals(WordCountHarness.expectedCounts(first)));
            assertTrue(a.processedRecords() > 0 && b.processedRecords() > 0,
                "both instances processed records: " + a.processedRecords() + " / " + b.processedRecords());
            a.close(Duration.ofSeconds(30));
            WordCountHarness.produceAsync(broker, rest);
            await().atMost(Duration.ofSeconds(40)).until(() -> output.poll().equals(WordCountHarness.expectedCounts(lines)));
            assertEquals(RiffleStreams.State.RUNNING, b.state());
            assertTrue(b.restoredRecords() > 0, "b restored the tasks a had");
        }
    }
}
