package io.riffle.log;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official Kafka client produces to and consumes from a Riffle broker: every acks mode and
 * compression type, keys, headers, timestamps, nulls, ordering, large records, and data that
 * survives a restart — read back byte-equal.
 */
class ProduceConsumeTest {
    private static BrokerFixture fixture;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        fixture = new BrokerFixture();
        admin = fixture.admin();
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    record Sent(int partition, long offset, byte[] key, byte[] value, long timestamp, List<RecordHeader> headers) {
    }

    static Stream<Arguments> acksAndCompression() {
        List<Arguments> args = new ArrayList<>();
        for (String acks : List.of("0", "1", "all")) {
            for (String compression : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
                args.add(Arguments.of(acks, compression));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "acks={0} compression={1}")
    @MethodSource("acksAndCompression")
    void everyRecordIsReadBackByteEqual(String acks, String compression) throws Exception {
        String topic = "pc-" + acks + "-" + compression;
        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        Map<String, Object> settings = acks.equals("all")
                ? Map.of(ProducerConfig.ACKS_CONFIG, acks, ProducerConfig.COMPRESSION_TYPE_CONFIG, compression,
                        ProducerConfig.LINGER_MS_CONFIG, 5)
                : Map.of(ProducerConfig.ACKS_CONFIG, acks, ProducerConfig.COMPRESSION_TYPE_CONFIG, compression,
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.LINGER_MS_CONFIG, 5);
        KafkaProducer<byte[], byte[]> producer = fixture.producer(settings);
        List<Sent> sent = new ArrayList<>();
        List<java.util.concurrent.Future<RecordMetadata>> futures = new ArrayList<>();
        long baseTime = System.currentTimeMillis() - 10_000;
        for (int i = 0; i < 300; i++) {
            byte[] key = i % 7 == 0 ? null : ("key-" + (i % 11)).getBytes(StandardCharsets.UTF_8);
            byte[] value = i % 13 == 0 ? null : ("value-" + i + "-" + "x".repeat(i % 50)).getBytes(StandardCharsets.UTF_8);
            List<RecordHeader> headers = i % 3 == 0
                    ? List.of(new RecordHeader("h" + i, ("hv" + i).getBytes(StandardCharsets.UTF_8)), new RecordHeader("empty", null))
                    : List.of();
            int partition = i % 3;
            long timestamp = baseTime + i;
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition, timestamp, key, value,
                    new ArrayList<>(headers));
            sent.add(new Sent(partition, -1, key, value, timestamp, headers));
            futures.add(producer.send(record));
        }
        producer.flush();
        for (var f : futures) {
            f.get();
        }

        List<ConsumerRecord<byte[], byte[]>> received = readAll(topic, 3, sent.size());
        assertEquals(sent.size(), received.size());
        for (int p = 0; p < 3; p++) {
            int partition = p;
            List<Sent> expected = sent.stream().filter(s -> s.partition() == partition).toList();
            List<ConsumerRecord<byte[], byte[]>> actual = received.stream().filter(r -> r.partition() == partition).toList();
            assertEquals(expected.size(), actual.size(), "records in partition " + p);
            for (int i = 0; i < expected.size(); i++) {
                Sent e = expected.get(i);
                ConsumerRecord<byte[], byte[]> a = actual.get(i);
                assertEquals(i, a.offset(), "offsets are dense and in send order");
                assertArrayEquals(e.key(), a.key());
                assertArrayEquals(e.value(), a.value());
                assertEquals(e.timestamp(), a.timestamp());
                assertEquals(TimestampType.CREATE_TIME, a.timestampType());
                assertEquals(e.headers().size(), a.headers().toArray().length);
                for (RecordHeader h : e.headers()) {
                    assertArrayEquals(h.value(), a.headers().lastHeader(h.key()).value());
                }
            }
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int partitions, int expected) {
        KafkaConsumer<byte[], byte[]> consumer = fixture.consumer(Map.of());
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (out.size() < expected && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        consumer.close();
        return out;
    }

    @Test
    void keyedRecordsStayInOrderPerPartition() throws Exception {
        String topic = "ordered";
        admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get();
        KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 2));
        int keys = 20;
        int perKey = 100;
        for (int i = 0; i < perKey; i++) {
            for (int k = 0; k < keys; k++) {
                producer.send(new ProducerRecord<>(topic, ("k" + k).getBytes(StandardCharsets.UTF_8),
                        Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
            }
        }
        producer.flush();
        List<ConsumerRecord<byte[], byte[]>> all = readAll(topic, 4, keys * perKey);
        assertEquals(keys * perKey, all.size());
        Map<String, Integer> last = new java.util.HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : all) {
            String k = new String(r.key(), StandardCharsets.UTF_8);
            int v = Integer.parseInt(new String(r.value(), StandardCharsets.UTF_8));
            assertEquals(last.getOrDefault(k, -1) + 1, v, "per-key order of " + k);
            last.put(k, v);
        }
    }

    @Test
    void aRecordNearMaxMessageBytesIsAcceptedAndALargerOneRefused() throws Exception {
        String topic = "big";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                .configs(Map.of("max.message.bytes", "200000")))).all().get();
        KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2_000_000,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"));
        byte[] nearLimit = new byte[199_000];
        Arrays.fill(nearLimit, (byte) 7);
        RecordMetadata ok = producer.send(new ProducerRecord<>(topic, nearLimit)).get();
        assertEquals(0, ok.offset());
        byte[] tooBig = new byte[300_000];
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> producer.send(new ProducerRecord<>(topic, tooBig)).get());
        assertInstanceOf(RecordTooLargeException.class, e.getCause());
        List<ConsumerRecord<byte[], byte[]>> read = readAll(topic, 1, 1);
        assertEquals(1, read.size());
        assertArrayEquals(nearLimit, read.get(0).value());
    }

    @Test
    void logAppendTimeTopicsStampTheBrokerTime() throws Exception {
        String topic = "append-time";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                .configs(Map.of("message.timestamp.type", "LogAppendTime")))).all().get();
        long before = System.currentTimeMillis();
        KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of());
        RecordMetadata md = producer.send(new ProducerRecord<>(topic, null, 1L, null, "v".getBytes(StandardCharsets.UTF_8))).get();
        assertTrue(md.timestamp() >= before, "the producer learns the broker's timestamp");
        ConsumerRecord<byte[], byte[]> r = readAll(topic, 1, 1).get(0);
        assertEquals(TimestampType.LOG_APPEND_TIME, r.timestampType());
        assertEquals(md.timestamp(), r.timestamp());
        assertNull(r.key());
    }

    @Test
    void dataSurvivesACleanRestart() throws Exception {
        String topic = "durable";
        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of());
        for (int i = 0; i < 500; i++) {
            producer.send(new ProducerRecord<>(topic, i % 2, null, ("r" + i).getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
        fixture.restart();
        admin = fixture.admin();
        assertEquals(Set.of(topic), admin.listTopics().names().get().stream().filter(topic::equals)
                .collect(java.util.stream.Collectors.toSet()));
        List<ConsumerRecord<byte[], byte[]>> read = readAll(topic, 2, 500);
        assertEquals(500, read.size());
        KafkaProducer<byte[], byte[]> again = fixture.producer(Map.of());
        RecordMetadata md = again.send(new ProducerRecord<>(topic, 0, null, "after".getBytes(StandardCharsets.UTF_8))).get();
        assertEquals(250, md.offset(), "appends continue after the restored log end");
    }
}
