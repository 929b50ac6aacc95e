package io.riffle.log;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WriteTxnMarkers as {@code Admin.abortTransaction} sends it to a partition leader: an abort
 * marker ends an open transaction the coordinator still holds open, so read_committed moves past
 * it; stale producer epochs and unknown partitions are answered per partition with Kafka's errors.
 */
class WriteTxnMarkersTest {
    private static final TopicPartition TP = new TopicPartition("hanging", 0);

    private BrokerFixture fixture;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        fixture = new BrokerFixture(Map.of("transaction.state.log.num.partitions", "3"));
        admin = fixture.admin();
        admin.createTopics(List.of(new NewTopic(TP.topic(), 1, (short) 1))).all().get();
    }

    @AfterEach
    void stop() throws Exception {
        admin.close();
        fixture.close();
    }

    /** Leaves a transaction open on {@link #TP}: records acknowledged, never committed or aborted. */
    private ProducerState openTransaction(String transactionalId) throws Exception {
        KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                transactionalId, ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 900_000));
        try {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TP.topic(), 0, null, "open".getBytes(StandardCharsets.UTF_8))).get();
        } finally {
            // A zero timeout skips the abort a graceful close would send: the transaction stays open.
            producer.close(Duration.ZERO);
        }
        return admin.describeProducers(List.of(TP)).partitionResult(TP).get().activeProducers().stream()
                .filter(p -> p.currentTransactionStartOffset().isPresent()).findFirst().orElseThrow();
    }

    private long readCommittedEnd() throws Exception {
        return admin.listOffsets(Map.of(TP, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .partitionResult(TP).get().offset();
    }

    @Test
    void abortTransactionEndsAnOpenTransactionAndReadCommittedMovesPastIt() throws Exception {
        ProducerState open = openTransaction("left-open");
        assertEquals(0, open.currentTransactionStartOffset().getAsLong());
        assertEquals(0, readCommittedEnd(), "the open transaction holds the last stable offset");

        admin.abortTransaction(new AbortTransactionSpec(TP, open.producerId(), (short) open.producerEpoch(),
                open.coordinatorEpoch().orElse(0))).all().get();

        assertEquals(2, readCommittedEnd(), "record and abort marker are below the last stable offset");
        assertTrue(admin.describeProducers(List.of(TP)).partitionResult(TP).get().activeProducers().stream()
                .noneMatch(p -> p.currentTransactionStartOffset().isPresent()));
    }

    @Test
    void staleEpochsAndUnknownPartitionsAreRefusedPerPartition() throws Exception {
        ProducerState first = openTransaction("stale");
        // A second producer with the same id fences the first (its transaction is aborted) and opens its own.
        ProducerState second = openTransaction("stale");
        assertTrue(second.producerEpoch() > first.producerEpoch(), second + " after " + first);
        long end = readCommittedEnd();

        WriteTxnMarkersRequestData data = new WriteTxnMarkersRequestData();
        data.markers().add(new WriteTxnMarkersRequestData.WritableTxnMarker()
                .setProducerId(second.producerId()).setProducerEpoch((short) first.producerEpoch())
                .setCoordinatorEpoch(second.coordinatorEpoch().orElse(0)).setTransactionResult(false)
                .setTopics(List.of(
                        new WriteTxnMarkersRequestData.WritableTxnMarkerTopic().setName(TP.topic())
                                .setPartitionIndexes(List.of(0, 7)),
                        new WriteTxnMarkersRequestData.WritableTxnMarkerTopic().setName("no-such-topic")
                                .setPartitionIndexes(List.of(0)))));
        WriteTxnMarkersResponse response;
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            response = wire.send(new WriteTxnMarkersRequest.Builder(data));
        }
        Map<TopicPartition, Errors> errors = response.errorsByProducerId().get(second.producerId());
        assertEquals(Map.of(TP, Errors.INVALID_PRODUCER_EPOCH,
                new TopicPartition(TP.topic(), 7), Errors.UNKNOWN_TOPIC_OR_PARTITION,
                new TopicPartition("no-such-topic", 0), Errors.UNKNOWN_TOPIC_OR_PARTITION), errors);
        assertEquals(end, readCommittedEnd(), "refused markers change nothing");
    }
}
