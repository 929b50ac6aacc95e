package io.riffle.log;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import io.riffle.log.cluster.TopicInfo;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DeletedRecords;
import org.apache.kafka.clients.admin.DescribeReplicaLogDirsResult.ReplicaLogDirInfo;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests about a partition's log as a whole: DeleteRecords (kafka-delete-records.sh,
 * Admin.deleteRecords), DescribeLogDirs (kafka-log-dirs.sh, Admin.describeLogDirs) and
 * OffsetForLeaderEpoch (how consumers and followers detect a truncated log).
 */
class LogAdminTest {
    private static final int NODE_ID = 1;
    private static BrokerFixture fixture;
    private Admin admin;

    @BeforeAll
    static void startBroker() throws Exception {
        fixture = new BrokerFixture();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        fixture.close();
    }

    @BeforeEach
    void connect() {
        admin = fixture.admin();
    }

    private void createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
    }

    private void produce(String topic, int partition, int count) throws Exception {
        KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of());
        for (int i = 0; i < count; i++) {
            producer.send(new ProducerRecord<>(topic, partition, null, ("record-" + i).getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
        producer.close();
    }

    private long deleteBefore(TopicPartition tp, long offset) throws Exception {
        DeletedRecords deleted = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(offset)))
                .lowWatermarks().get(tp).get();
        return deleted.lowWatermark();
    }

    @Test
    void deleteRecordsMovesTheStartOfTheLogForConsumers() throws Exception {
        createTopic("trimmed", 1, Map.of());
        TopicPartition tp = new TopicPartition("trimmed", 0);
        produce("trimmed", 0, 10);

        assertEquals(4, deleteBefore(tp, 4));
        assertEquals(4, admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get().offset());

        KafkaConsumer<byte[], byte[]> consumer = fixture.consumer(Map.of());
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        ConsumerRecords<byte[], byte[]> records = await().atMost(Duration.ofSeconds(30))
                .until(() -> consumer.poll(Duration.ofMillis(200)), r -> !r.isEmpty());
        assertEquals(4, records.iterator().next().offset());

        assertEquals(4, deleteBefore(tp, 2), "the log start never moves back");
        ExecutionException beyond = assertThrows(ExecutionException.class, () -> deleteBefore(tp, 11));
        assertInstanceOf(OffsetOutOfRangeException.class, beyond.getCause());
        assertEquals(10, deleteBefore(tp, 10), "deleting up to the high watermark empties the partition");
    }

    @Test
    void deleteRecordsMinusOneMeansTheHighWatermark() throws Exception {
        createTopic("emptied", 1, Map.of());
        produce("emptied", 0, 5);
        DeleteRecordsResponse response = deleteRecordsRequest("emptied", 0, DeleteRecordsRequest.HIGH_WATERMARK);
        DeleteRecordsResponseData.DeleteRecordsPartitionResult result =
                response.data().topics().find("emptied").partitions().find(0);
        assertEquals(Errors.NONE.code(), result.errorCode());
        assertEquals(5, result.lowWatermark());
    }

    @Test
    void deleteRecordsOfAnUnknownPartitionOrTopicFails() throws Exception {
        createTopic("one-partition", 1, Map.of());
        DeleteRecordsResponse unknownPartition = deleteRecordsRequest("one-partition", 3, 0);
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                unknownPartition.data().topics().find("one-partition").partitions().find(3).errorCode());
        DeleteRecordsResponse unknownTopic = deleteRecordsRequest("never-created", 0, 0);
        DeleteRecordsResponseData.DeleteRecordsPartitionResult result =
                unknownTopic.data().topics().find("never-created").partitions().find(0);
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), result.errorCode());
        assertEquals(-1, result.lowWatermark());
    }

    private DeleteRecordsResponse deleteRecordsRequest(String topic, int partition, long offset) throws Exception {
        DeleteRecordsRequestData data = new DeleteRecordsRequestData().setTimeoutMs(5000).setTopics(List.of(
                new DeleteRecordsRequestData.DeleteRecordsTopic().setName(topic).setPartitions(List.of(
                        new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(partition).setOffset(offset)))));
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            return wire.send(new DeleteRecordsRequest.Builder(data));
        }
    }

    @Test
    void deleteRecordsOfACompactedTopicIsAPolicyViolation() throws Exception {
        createTopic("compacted", 1, Map.of("cleanup.policy", "compact"));
        produce("compacted", 0, 3);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> deleteBefore(new TopicPartition("compacted", 0), 1));
        assertInstanceOf(PolicyViolationException.class, e.getCause());
    }

    @Test
    void describeLogDirsReportsEachPartitionsSizeAndTheDisk() throws Exception {
        createTopic("sized", 2, Map.of());
        TopicPartition p0 = new TopicPartition("sized", 0);
        TopicPartition p1 = new TopicPartition("sized", 1);
        String dir = fixture.dataDir().toAbsolutePath().toString();

        Map<String, LogDirDescription> before = admin.describeLogDirs(List.of(NODE_ID)).allDescriptions().get().get(NODE_ID);
        assertEquals(List.of(dir), List.copyOf(before.keySet()));
        LogDirDescription description = before.get(dir);
        assertTrue(description.totalBytes().isPresent() && description.totalBytes().getAsLong() > 0);
        assertTrue(description.usableBytes().isPresent());
        ReplicaInfo emptyP0 = description.replicaInfos().get(p0);
        assertEquals(0, emptyP0.size());
        assertEquals(0, emptyP0.offsetLag());
        assertTrue(description.replicaInfos().containsKey(p1));

        produce("sized", 0, 20);
        ReplicaInfo grown = admin.describeLogDirs(List.of(NODE_ID)).allDescriptions().get()
                .get(NODE_ID).get(dir).replicaInfos().get(p0);
        assertTrue(grown.size() > 20 * "record-0".length(), "size " + grown.size());
        assertEquals(0, admin.describeLogDirs(List.of(NODE_ID)).allDescriptions().get()
                .get(NODE_ID).get(dir).replicaInfos().get(p1).size());

        // describeReplicaLogDirs asks for named partitions only
        ReplicaLogDirInfo replica = admin.describeReplicaLogDirs(List.of(new TopicPartitionReplica("sized", 0, NODE_ID)))
                .all().get().get(new TopicPartitionReplica("sized", 0, NODE_ID));
        assertEquals(dir, replica.getCurrentReplicaLogDir());
    }

    @Test
    void offsetForLeaderEpochAnswersWhereEachEpochEnds() throws Exception {
        createTopic("epochs", 1, Map.of());
        produce("epochs", 0, 2);      // offsets 0-1 in epoch 0
        electLeaderAgain("epochs", 2); // a new leader epoch, as a controller would after a failover
        produce("epochs", 0, 3);      // offsets 2-4 in epoch 2

        assertEquals("0:2", endOffset("epochs", 0, -1, 0), "epoch 0 ends where epoch 2 starts");
        assertEquals("0:2", endOffset("epochs", 0, -1, 1), "an unknown epoch answers the one before it");
        assertEquals("2:5", endOffset("epochs", 0, 2, 2), "the current epoch ends at the log end");
        assertEquals("-1:-1", endOffset("epochs", 0, -1, 3), "an epoch newer than all is undefined");
        assertEquals(Errors.FENCED_LEADER_EPOCH.name(), endOffset("epochs", 0, 1, 0));
        assertEquals(Errors.UNKNOWN_LEADER_EPOCH.name(), endOffset("epochs", 0, 3, 0));
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.name(), endOffset("epochs", 1, -1, 0));
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.name(), endOffset("no-epochs", 0, -1, 0));

        // once epoch 0's records are deleted, asking for it answers the first offset still held
        assertEquals(3, deleteBefore(new TopicPartition("epochs", 0), 3));
        assertEquals("0:3", endOffset("epochs", 0, -1, 0));
    }

    /** Bumps the partitions' leader epoch through the cluster metadata, as a leader election does. */
    private static void electLeaderAgain(String topic, int epoch) throws Exception {
        Broker broker = fixture.broker();
        TopicInfo t = broker.controller().metadata().topic(topic).orElseThrow();
        TopicInfo bumped = new TopicInfo(t.name(), t.id(), t.partitions().stream()
                .map(a -> new TopicInfo.PartitionAssignment(a.partition(), a.replicas(), a.leader(), a.isr(), epoch))
                .toList(), t.configs());
        broker.controller().metadata().put(bumped);
        broker.replicaManager().applyTopic(bumped);
    }

    /** "epoch:endOffset", or the error name. */
    private static String endOffset(String topic, int partition, int currentLeaderEpoch, int leaderEpoch) throws Exception {
        OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection topics =
                new OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection();
        topics.add(new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(topic).setPartitions(List.of(
                new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(partition)
                        .setCurrentLeaderEpoch(currentLeaderEpoch).setLeaderEpoch(leaderEpoch))));
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            OffsetsForLeaderEpochResponse response = wire.send(OffsetsForLeaderEpochRequest.Builder.forConsumer(topics));
            EpochEndOffset result = response.data().topics().find(topic).partitions().get(0);
            Errors error = Errors.forCode(result.errorCode());
            return error == Errors.NONE ? result.leaderEpoch() + ":" + result.endOffset() : error.name();
        }
    }
}
