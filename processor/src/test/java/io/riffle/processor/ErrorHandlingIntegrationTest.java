package io.riffle.processor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.riffle.log.BrokerFixture;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On a real broker under exactly-once: bad records (undeserializable, or failing a processor) go
 * to the dead-letter topic in the same transactions as the input offsets, the good ones through an
 * explicit repartition topic with its own partition count to the output, and the committed
 * offsets end past every input record.
 */
class ErrorHandlingIntegrationTest {
    private static final String IN = "eh-in";
    private static final String OUT = "eh-out";
    private static final String DLQ = "eh-dlq";
    private static final Serde<String> S = Serdes.String();
    private static final Serde<Long> L = Serdes.Long();
    private BrokerFixture broker;
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        broker = new BrokerFixture(Map.of());
        broker.admin().createTopics(List.of(new NewTopic(IN, Optional.of(2), Optional.empty()),
            new NewTopic(OUT, Optional.of(2), Optional.empty()), new NewTopic(DLQ, Optional.of(1), Optional.empty()))).all().get();
        dir = WordCountHarness.tempDir();
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
        WordCountHarness.delete(dir);
    }

    @Test
    void badRecordsGoToTheDeadLetterTopicAndOffsetsMovePastThem() throws Exception {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(IN, Consumed.with(S, L))
            .mapValues(v -> {
                if (v < 0) {
                    throw new IllegalArgumentException("negative " + v);
                }
                return v * 10;
            })
            .repartition(Repartitioned.<String, Long>as("eh-rekey").withKeySerde(S).withValueSerde(L).withNumberOfPartitions(3))
            .to(OUT, Produced.with(S, L));
        Properties p = WordCountHarness.props(broker, "eh-app", dir, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME, DLQ);

        KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of());
        Map<String, Long> expected = new TreeMap<>();
        List<String> expectedDead = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String key = "k" + i;
            byte[] value;
            if (i % 10 == 3) {
                value = "garbage".getBytes(StandardCharsets.UTF_8);   // 7 bytes: not a long
                expectedDead.add(key);
            } else if (i % 10 == 7) {
                value = L.serializer().serialize(IN, -1L * i);
                expectedDead.add(key);
            } else {
                value = L.serializer().serialize(IN, (long) i);
                expected.put(key, i * 10L);
            }
            producer.send(new ProducerRecord<>(IN, key.getBytes(StandardCharsets.UTF_8), value)).get();
        }

        try (RiffleStreams streams = new RiffleStreams(b.build(), p)) {
            streams.start();
            Map<String, Long> out = new TreeMap<>();
            List<String> dead = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> outReader = reader(OUT); KafkaConsumer<byte[], byte[]> dlqReader = reader(DLQ)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    for (ConsumerRecord<byte[], byte[]> r : outReader.poll(Duration.ofMillis(100))) {
                        out.put(new String(r.key(), StandardCharsets.UTF_8), L.deserializer().deserialize(OUT, r.value()));
                    }
                    for (ConsumerRecord<byte[], byte[]> r : dlqReader.poll(Duration.ofMillis(100))) {
                        dead.add(new String(r.key(), StandardCharsets.UTF_8));
                        assertEquals(IN, new String(r.headers().lastHeader("__streams.errors.topic").value(), StandardCharsets.UTF_8));
                    }
                    return out.size() == expected.size() && dead.size() == expectedDead.size();
                });
            }
            assertEquals(expected, out);
            assertEquals(Set.copyOf(expectedDead), Set.copyOf(dead));
            assertEquals(3, broker.admin().describeTopics(List.of("eh-app-eh-rekey-repartition")).allTopicNames().get()
                .get("eh-app-eh-rekey-repartition").partitions().size());
            Map<TopicPartition, Long> ends = endOffsets();
            await().atMost(Duration.ofSeconds(30)).until(() -> committed().equals(ends));
            assertEquals(RiffleStreams.State.RUNNING, streams.state());
        }
    }

    private KafkaConsumer<byte[], byte[]> reader(String topic) throws Exception {
        KafkaConsumer<byte[], byte[]> c = broker.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
        List<TopicPartition> parts = broker.admin().describeTopics(List.of(topic)).allTopicNames().get().get(topic)
            .partitions().stream().map(pi -> new TopicPartition(topic, pi.partition())).toList();
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }

    private Map<TopicPartition, Long> endOffsets() throws Exception {
        try (KafkaConsumer<byte[], byte[]> c = broker.consumer(Map.of())) {
            List<TopicPartition> parts = List.of(new TopicPartition(IN, 0), new TopicPartition(IN, 1));
            return c.endOffsets(parts);
        }
    }

    private Map<TopicPartition, Long> committed() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = broker.admin().listConsumerGroupOffsets("eh-app")
            .partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(IN))
            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
}
