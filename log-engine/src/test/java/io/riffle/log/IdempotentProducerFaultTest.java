package io.riffle.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.awaitility.Awaitility.await;

/**
 * Idempotence under connection drops: an idempotent producer (the official client, acks=all,
 * five requests in flight) sends 100,000 numbered records through a proxy that resets its
 * connections mid-stream, cutting requests and responses in half. The client retries what it
 * did not see acknowledged, so the broker receives batches it already appended; it must
 * recognise them. Afterwards each record is in the log exactly once, in send order per
 * partition.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class IdempotentProducerFaultTest {
    private static final String TOPIC = "idempotent";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 100_000;
    private static final long SEED = Long.getLong("riffle.test.seed", 0x1DE4L);

    @Test
    void everyRecordExactlyOnceInOrderDespiteDroppedConnections() throws Exception {
        try (ChaosProxy proxy = new ChaosProxy(SEED, 4_000, 60_000);
             BrokerFixture fixture = new BrokerFixture(Map.of(
                     "advertised.listeners", "PLAINTEXT://127.0.0.1:" + proxy.port()))) {
            // The broker tells clients to come back through the proxy, which now knows where to forward.
            proxy.forwardTo(new InetSocketAddress("127.0.0.1", fixture.broker().kafkaPort()));
            fixture.admin().createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all()
                    .get(30, TimeUnit.SECONDS);

            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + proxy.port(),
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5,
                    ProducerConfig.LINGER_MS_CONFIG, 2,
                    ProducerConfig.BATCH_SIZE_CONFIG, 4096,
                    ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 10,
                    ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000));
            long started = System.nanoTime();
            for (int n = 0; n < RECORDS; n++) {
                producer.send(new ProducerRecord<>(TOPIC, n % PARTITIONS, null, value(n)), (metadata, error) -> {
                    if (error != null) {
                        failures.add(error);
                    }
                });
            }
            producer.flush();
            System.out.printf("%d records sent in %d ms through %d dropped connections (seed %d)%n", RECORDS,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), proxy.drops(), SEED);
            assertTrue(failures.isEmpty(), () -> failures.size() + " sends failed, first: " + failures.peek());
            assertTrue(proxy.drops() >= 10, "only " + proxy.drops() + " connections dropped: the test proves little");

            proxy.stopDropping();
            checkEachRecordOnceInOrder(fixture);
        }
    }

    private static byte[] value(int n) {
        return Integer.toString(n).getBytes(StandardCharsets.UTF_8);
    }

    /** Reads each partition directly from the broker: record p + k*PARTITIONS at position k, nothing else. */
    private static void checkEachRecordOnceInOrder(BrokerFixture fixture) {
        KafkaConsumer<byte[], byte[]> consumer = fixture.consumer(Map.of());
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                .mapToObj(p -> new TopicPartition(TOPIC, p)).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        List<List<Integer>> logs = new ArrayList<>();
        partitions.forEach(p -> logs.add(new ArrayList<>()));
        await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(1)).until(() -> {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        logs.get(r.partition()).add(Integer.parseInt(new String(r.value(), StandardCharsets.UTF_8)));
                    }
                    return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
                });
        for (int p = 0; p < PARTITIONS; p++) {
            List<Integer> log = logs.get(p);
            for (int k = 0; k < log.size(); k++) {
                int expected = p + k * PARTITIONS;
                if (log.get(k) != expected) {
                    fail("partition " + p + " offset " + k + ": record " + log.get(k) + " where " + expected
                            + " belongs (a duplicate, a loss or a reordering); around it: "
                            + log.subList(Math.max(0, k - 5), Math.min(log.size(), k + 5)));
                }
            }
            int expectedCount = (RECORDS - p + PARTITIONS - 1) / PARTITIONS;
            assertEquals(expectedCount, log.size(), "partition " + p + " record count");
        }
    }
}
