package io.riffle.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A write that fails on disk (here injected: "No space left on device") answers
 * KAFKA_STORAGE_ERROR, leaves no partial batch behind, and the log carries on when space returns.
 */
class StorageFailureTest {

    @Test
    void aFullDiskAnswersKafkaStorageErrorAndTheLogStaysIntact() throws Exception {
        AtomicBoolean diskFull = new AtomicBoolean();
        try (BrokerFixture fixture = new BrokerFixture(Map.of(), (dir, bytes) -> {
            if (diskFull.get()) {
                throw new IOException("No space left on device");
            }
        })) {
            fixture.admin().createTopics(List.of(new NewTopic("disk", 1, (short) 1))).all().get();
            KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of(ProducerConfig.ACKS_CONFIG, "1",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.RETRIES_CONFIG, 0));
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("disk", ("before-" + i).getBytes(StandardCharsets.UTF_8))).get();
            }
            diskFull.set(true);
            ExecutionException e = assertThrows(ExecutionException.class, () ->
                    producer.send(new ProducerRecord<>("disk", "lost".getBytes(StandardCharsets.UTF_8))).get());
            assertInstanceOf(KafkaStorageException.class, e.getCause());
            diskFull.set(false);
            assertEquals(10, producer.send(new ProducerRecord<>("disk", "after".getBytes(StandardCharsets.UTF_8)))
                    .get().offset(), "the failed batch took no offsets");

            fixture.restart();
            KafkaConsumer<byte[], byte[]> consumer = fixture.consumer(Map.of());
            TopicPartition tp = new TopicPartition("disk", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (values.size() < 11 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            assertEquals(11, values.size());
            assertEquals("after", values.get(10));
        }
    }
}
