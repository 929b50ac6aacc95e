package io.riffle.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * producer.id.expiration.ms: a producer idle for longer loses its state in the partition (as
 * DescribeProducers shows), checked every producer.id.expiration.check.interval.ms, but a
 * producer with an open transaction keeps it however long it is idle: its first offset bounds
 * the last stable offset and its marker must still end the transaction. An expired producer
 * may come back and write again.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ProducerExpiryTest {
    private static final int EXPIRATION_MS = 1_500;
    private static final TopicPartition PARTITION = new TopicPartition("expiry", 0);

    private BrokerFixture fixture;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        fixture = new BrokerFixture(Map.of(
                "producer.id.expiration.ms", Integer.toString(EXPIRATION_MS),
                "producer.id.expiration.check.interval.ms", "100",
                "transaction.state.log.num.partitions", "1"));
        admin = fixture.admin();
        admin.createTopics(List.of(new NewTopic(PARTITION.topic(), 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    @Test
    void idleProducerExpiresButNotWhileItsTransactionIsOpen() throws Exception {
        KafkaProducer<byte[], byte[]> idempotent = fixture.producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        KafkaProducer<byte[], byte[]> transactional = fixture.producer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "long-transaction",
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 120_000));
        transactional.initTransactions();
        transactional.beginTransaction();
        transactional.send(record("in the open transaction")).get(30, TimeUnit.SECONDS);
        idempotent.send(record("idempotent")).get(30, TimeUnit.SECONDS);
        assertEquals(2, producerIds().size(), "both producers have state in the partition");
        long openTransactionProducer = producers().stream()
                .filter(p -> p.currentTransactionStartOffset().isPresent())
                .findFirst().orElseThrow().producerId();

        // The transactional producer wrote first, so it has been idle longer: the check that expires
        // the idempotent producer would expire it too, were its open transaction not protecting it.
        await("the idle idempotent producer expires").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> producerIds().size() < 2);
        assertEquals(Set.of(openTransactionProducer), producerIds(),
                "a producer with an open transaction must never expire");
        assertEquals(0L, producers().get(0).currentTransactionStartOffset().orElse(-1L),
                "the open transaction still starts at offset 0");

        // The transaction can still end, and then the producer expires like any other.
        transactional.commitTransaction();
        await("the committed producer expires").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> producerIds().isEmpty());

        // An expired producer may write again: its state is simply recreated.
        RecordMetadata again = idempotent.send(record("after expiry")).get(30, TimeUnit.SECONDS);
        assertEquals(3, again.offset(), "records 0, 1 and the commit marker 2 precede it");
    }

    private static ProducerRecord<byte[], byte[]> record(String value) {
        return new ProducerRecord<>(PARTITION.topic(), PARTITION.partition(), null,
                value.getBytes(StandardCharsets.UTF_8));
    }

    /** The producers with state in the partition, as DescribeProducers reports them. */
    private List<ProducerState> producers() throws Exception {
        return admin.describeProducers(List.of(PARTITION)).partitionResult(PARTITION).get(30, TimeUnit.SECONDS)
                .activeProducers();
    }

    private Set<Long> producerIds() throws Exception {
        return producers().stream().map(ProducerState::producerId).collect(Collectors.toSet());
    }
}
