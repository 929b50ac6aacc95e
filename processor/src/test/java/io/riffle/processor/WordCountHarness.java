package io.riffle.processor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutionException;

import io.riffle.log.BrokerFixture;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The word-count topology and its input, expected output and output reader, for integration
 * tests; against any {@link TestBroker} (the {@code BrokerFixture} overloads are for the tests
 * that run on Riffle only).
 */
final class WordCountHarness {
    static final String INPUT = "lines";
    static final String OUTPUT = "word-counts";
    static final String STORE = "counts";

    private WordCountHarness() {
    }

    static Topology topology() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()))
            .flatMapValues(line -> Arrays.asList(line.toLowerCase().split("\\W+")))
            .filter((k, word) -> !word.isEmpty())
            .groupBy((k, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
            .count(Materialized.as(STORE))
            .toStream()
            .to(OUTPUT, Produced.with(Serdes.String(), Serdes.Long()));
        return b.build();
    }

    static void createTopics(BrokerFixture broker, int partitions) throws ExecutionException, InterruptedException {
        createTopics(new RiffleTestBroker(broker), partitions);
    }

    static void produceAsync(BrokerFixture broker, List<String> lines) {
        produceAsync(new RiffleTestBroker(broker), lines);
    }

    static Properties props(BrokerFixture broker, String appId, Path stateDir, String guarantee) {
        return props(new RiffleTestBroker(broker), appId, stateDir, guarantee);
    }

    /** {@code count} lines of 10 words from a 200-word vocabulary, seeded. */
    static List<String> lines(long seed, int count) {
        Random random = new Random(seed);
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder line = new StringBuilder();
            for (int w = 0; w < 10; w++) {
                line.append(w == 0 ? "" : " ").append("word").append(random.nextInt(200));
            }
            lines.add(line.toString());
        }
        return lines;
    }

    static Map<String, Long> expectedCounts(List<String> lines) {
        Map<String, Long> counts = new HashMap<>();
        for (String line : lines) {
            for (String w : line.split(" ")) {
                counts.merge(w, 1L, Long::sum);
            }
        }
        return counts;
    }

    static void createTopics(TestBroker broker, int partitions) throws ExecutionException, InterruptedException {
        broker.admin().createTopics(List.of(new NewTopic(INPUT, Optional.of(partitions), Optional.empty()),
            new NewTopic(OUTPUT, Optional.of(partitions), Optional.empty()))).all().get();
    }

    static void produce(TestBroker broker, List<String> lines) throws Exception {
        KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of());
        int i = 0;
        for (String line : lines) {
            producer.send(new ProducerRecord<>(INPUT, String.valueOf(i++).getBytes(), line.getBytes())).get();
        }
    }

    static void produceAsync(TestBroker broker, List<String> lines) {
        KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of());
        int i = 0;
        for (String line : lines) {
            producer.send(new ProducerRecord<>(INPUT, String.valueOf(i++).getBytes(), line.getBytes()));
        }
        producer.flush();
    }

    static Properties props(TestBroker broker, String appId, Path stateDir, String guarantee) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS, broker.bootstrap());
        p.put(StreamsConfig.STATE_DIR, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE, guarantee);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS, "200");
        p.put("consumer.session.timeout.ms", "10000");
        p.put("consumer.heartbeat.interval.ms", "1000");
        return p;
    }

    /** Reads the output topic from where it left off, keeping the latest count of each word. */
    static final class OutputReader {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Map<String, Long> latest = new HashMap<>();
        private long records;

        OutputReader(BrokerFixture broker, boolean readCommitted) throws Exception {
            this(new RiffleTestBroker(broker), readCommitted);
        }

        OutputReader(TestBroker broker, boolean readCommitted) throws Exception {
            consumer = broker.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted"));
            List<TopicPartition> partitions = broker.admin().describeTopics(List.of(OUTPUT)).allTopicNames().get().get(OUTPUT)
                .partitions().stream().map(p -> new TopicPartition(OUTPUT, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        Map<String, Long> poll() {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                latest.put(new String(r.key()), Serdes.Long().deserializer().deserialize(OUTPUT, r.value()));
                records++;
            }
            return latest;
        }

        long records() {
            return records;
        }
    }

    static Path tempDir() throws IOException {
        return Files.createTempDirectory("riffle-streams-test-");
    }

    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
