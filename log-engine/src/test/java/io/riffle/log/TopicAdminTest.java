package io.riffle.log;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The official AdminClient creates, describes, grows and deletes topics and lists offsets. */
class TopicAdminTest {
    private BrokerFixture fixture;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        fixture = new BrokerFixture();
        admin = fixture.admin();
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private static Throwable cause(ExecutionException e) {
        return e.getCause();
    }

    @Test
    void createDescribeAndDeleteATopic() throws Exception {
        admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1))).all().get();
        TopicDescription d = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
        assertEquals(3, d.partitions().size());
        assertNotNull(d.topicId());
        d.partitions().forEach(p -> {
            assertEquals(1, p.leader().id());
            assertEquals(1, p.isr().size());
        });
        assertTrue(admin.listTopics().names().get().contains("orders"));

        admin.deleteTopics(List.of("orders")).all().get();
        assertFalse(admin.listTopics().names().get().contains("orders"));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.describeTopics(List.of("orders")).allTopicNames().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, cause(e));
        // the name can be reused, empty
        admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all().get();
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end = admin.listOffsets(
                Map.of(new TopicPartition("orders", 0), OffsetSpec.latest())).all().get();
        assertEquals(0, end.get(new TopicPartition("orders", 0)).offset());
    }

    @Test
    void createTopicErrorsAreKafkas() throws Exception {
        admin.createTopics(List.of(new NewTopic("dup", 1, (short) 1))).all().get();
        assertInstanceOf(TopicExistsException.class, cause(assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("dup", 1, (short) 1))).all().get())));
        assertInstanceOf(InvalidTopicException.class, cause(assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("bad name!", 1, (short) 1))).all().get())));
        assertInstanceOf(InvalidTopicException.class, cause(assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("a".repeat(250), 1, (short) 1))).all().get())));
        assertInstanceOf(InvalidReplicationFactorException.class, cause(assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("rf3", 1, (short) 3))).all().get())));
        assertInstanceOf(InvalidPartitionsException.class, cause(assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("p0", 0, (short) 1))).all().get())));
        ExecutionException badConfig = assertThrows(ExecutionException.class, () -> admin.createTopics(List.of(
                new NewTopic("cfg", 1, (short) 1).configs(Map.of("retention.ms", "soon")))).all().get());
        assertInstanceOf(InvalidConfigurationException.class, cause(badConfig));
        assertTrue(cause(badConfig).getMessage().contains("retention.ms"), cause(badConfig).getMessage());
        assertFalse(admin.listTopics().names().get().contains("cfg"));
    }

    @Test
    void validateOnlyCreatesNothing() throws Exception {
        admin.createTopics(List.of(new NewTopic("dry", 2, (short) 1)), new CreateTopicsOptions().validateOnly(true))
                .all().get();
        assertFalse(admin.listTopics().names().get().contains("dry"));
    }

    @Test
    void partitionsCanBeAddedButNotRemoved() throws Exception {
        admin.createTopics(List.of(new NewTopic("grow", 2, (short) 1))).all().get();
        admin.createPartitions(Map.of("grow", NewPartitions.increaseTo(5))).all().get();
        assertEquals(5, admin.describeTopics(List.of("grow")).allTopicNames().get().get("grow").partitions().size());
        KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of());
        assertEquals(0, producer.send(new ProducerRecord<>("grow", 4, null, new byte[1])).get().offset());
        assertInstanceOf(InvalidPartitionsException.class, cause(assertThrows(ExecutionException.class,
                () -> admin.createPartitions(Map.of("grow", NewPartitions.increaseTo(3))).all().get())));
        assertInstanceOf(UnknownTopicOrPartitionException.class, cause(assertThrows(ExecutionException.class,
                () -> admin.createPartitions(Map.of("nope", NewPartitions.increaseTo(3))).all().get())));
    }

    @Test
    void listOffsetsEarliestLatestMaxTimestampAndByTime() throws Exception {
        admin.createTopics(List.of(new NewTopic("times", 1, (short) 1))).all().get();
        KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of());
        long base = System.currentTimeMillis() - 60_000;
        for (int i = 0; i < 10; i++) {
            long ts = i == 6 ? base + 50_000 : base + i * 1000L; // offset 6 carries the greatest timestamp
            producer.send(new ProducerRecord<>("times", 0, ts, null, ("v" + i).getBytes(StandardCharsets.UTF_8))).get();
        }
        TopicPartition tp = new TopicPartition("times", 0);
        assertEquals(0, admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).all().get().get(tp).offset());
        assertEquals(10, admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset());
        ListOffsetsResult.ListOffsetsResultInfo max = admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).all().get().get(tp);
        assertEquals(6, max.offset());
        assertEquals(base + 50_000, max.timestamp());
        ListOffsetsResult.ListOffsetsResultInfo at = admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(base + 2500)))
                .all().get().get(tp);
        assertEquals(3, at.offset(), "first record at or after the time");
        assertEquals(base + 3000, at.timestamp());
        ListOffsetsResult.ListOffsetsResultInfo none = admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(base + 100_000)))
                .all().get().get(tp);
        assertEquals(-1, none.offset(), "no record that late");
    }

    @Test
    void metadataAutoCreatesTopicsWhenEnabled() throws Exception {
        KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of());
        assertEquals(0, producer.send(new ProducerRecord<>("auto-made", new byte[] {1})).get().offset());
        assertTrue(admin.listTopics().names().get().contains("auto-made"));
    }

    @Test
    void autoCreationCanBeDisabled() throws Exception {
        try (BrokerFixture noAuto = new BrokerFixture(Map.of("auto.create.topics.enable", "false"))) {
            KafkaProducer<byte[], byte[]> producer = noAuto.producer(Map.of("max.block.ms", 2000));
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("not-there", new byte[] {1})).get());
            assertTrue(e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException, e.toString());
            assertFalse(noAuto.admin().listTopics().names().get().contains("not-there"));
        }
    }
}
