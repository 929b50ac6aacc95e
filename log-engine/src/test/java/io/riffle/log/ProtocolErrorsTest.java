package io.riffle.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input gets a Kafka error code or, where Kafka does the same, a closed connection — and
 * never harms other connections or the log. Also the idempotent producer's guarantees, on the wire.
 */
class ProtocolErrorsTest {
    private static BrokerFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = new BrokerFixture(Map.of("socket.request.max.bytes", "100000"));
        fixture.admin().createTopics(List.of(new NewTopic("wire", 1, (short) 1))).all().get();
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    private static void assertBrokerStillServes() throws Exception {
        assertTrue(fixture.producer(Map.of()).send(new ProducerRecord<>("wire", new byte[] {1})).get().offset() >= 0);
    }

    @Test
    void anOversizedFrameClosesOnlyThatConnection() throws Exception {
        try (KafkaWire wire = new KafkaWire(fixture.bootstrap()); KafkaWire other = new KafkaWire(fixture.bootstrap())) {
            wire.sendRaw(ByteBuffer.allocate(4).putInt(200_000).array());
            wire.sendRaw(new byte[1000]);
            assertTrue(wire.closedByBroker(10_000));
            var versions = other.send(new ApiVersionsRequest.Builder(), (short) 3);
            assertEquals(Errors.NONE, Errors.forCode(((ApiVersionsResponseData) versions.data()).errorCode()));
        }
        assertBrokerStillServes();
    }

    @Test
    void apiVersionsAdvertisesTheFeatureLevelsImplemented() throws Exception {
        try (KafkaWire wire = new KafkaWire(fixture.bootstrap())) {
            ApiVersionsResponseData data = ((org.apache.kafka.common.requests.ApiVersionsResponse)
                    wire.send(new ApiVersionsRequest.Builder(), (short) 4)).data();
            assertEquals(1, data.finalizedFeatures().find("transaction.version").maxVersionLevel(),
                    "transactions of version 1: AddPartitionsToTxn is used, as implemented");
            assertEquals(1, data.supportedFeatures().find("group.version").maxVersion());
        }
    }

    @Test
    void aMalformedFrameClosesTheConnection() throws Exception {
        try (KafkaWire wire = new KafkaWire(fixture.bootstrap())) {
            // a Metadata v12 header followed by a body that is cut short
            ByteBuffer frame = ByteBuffer.allocate(11);
            frame.putShort(ApiKeys.METADATA.id).putShort((short) 12).putInt(7).put((byte) 0).put((byte) 0).put((byte) 5);
            frame.flip();
            wire.sendFrame(frame);
            assertTrue(wire.closedByBroker(10_000));
        }
        assertBrokerStillServes();
    }

    @Test
    void anUnknownApiKeyIsAnsweredWithUnsupportedVersion() throws Exception {
        try (KafkaWire wire = new KafkaWire(fixture.bootstrap())) {
            ByteBuffer response = wire.sendHeaderOnly((short) 999, (short) 0, 42);
            assertEquals(42, response.getInt());
            assertEquals(Errors.UNSUPPORTED_VERSION.code(), response.getShort());
            assertFalse(wire.closedByBroker(500), "the connection stays usable");
        }
    }

    @Test
    void anUnknownApiVersionsVersionIsAnsweredAsV0WithTheSupportedRanges() throws Exception {
        try (KafkaWire wire = new KafkaWire(fixture.bootstrap())) {
            byte[] clientId = "future-client".getBytes(StandardCharsets.UTF_8);
            ByteBuffer frame = ByteBuffer.allocate(64);
            frame.putShort(ApiKeys.API_VERSIONS.id).putShort((short) 127).putInt(5)
                    .putShort((short) clientId.length).put(clientId)
                    .put((byte) 0)  // header tagged fields
                    .put((byte) 0); // body tagged fields: a future body we cannot know
            frame.flip();
            wire.sendFrame(frame);
            ByteBuffer response = wire.readFrame();
            assertEquals(5, response.getInt());
            ApiVersionsResponseData data = new ApiVersionsResponseData(new ByteBufferAccessor(response), (short) 0);
            assertEquals(Errors.UNSUPPORTED_VERSION.code(), data.errorCode());
            ApiVersionsResponseData.ApiVersion versions = data.apiKeys().find(ApiKeys.API_VERSIONS.id);
            assertEquals(4, versions.maxVersion());
            assertEquals(0, data.apiKeys().find(ApiKeys.PRODUCE.id).minVersion(), "Produce advertised from v0, as Kafka 4.x does");
        }
    }

    @Test
    void aBadTopicNameInMetadataIsInvalidTopic() throws Exception {
        try (KafkaWire wire = new KafkaWire(fixture.bootstrap())) {
            MetadataResponse response = (MetadataResponse) wire.send(
                    new MetadataRequest.Builder(List.of("bad name!"), true), (short) 12);
            assertEquals(Errors.INVALID_TOPIC_EXCEPTION, response.errors().get("bad name!"));
        }
    }

    private static ProduceRequestData produce(MemoryRecords records, short acks) {
        ProduceRequestData data = new ProduceRequestData().setAcks(acks).setTimeoutMs(5000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("wire");
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        data.topicData().add(topic);
        return data;
    }

    private static ProduceResponse sendProduce(KafkaWire wire, MemoryRecords records) throws Exception {
        return (ProduceResponse) wire.send(ProduceRequest.builder(produce(records, (short) -1)), (short) 12);
    }

    private static Errors errorOf(ProduceResponse response) {
        return Errors.forCode(response.data().responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    private static long baseOffsetOf(ProduceResponse response) {
        return response.data().responses().iterator().next().partitionResponses().get(0).baseOffset();
    }

    @Test
    void aBatchWithABadCrcIsCorruptMessage() throws Exception {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord("k".getBytes(StandardCharsets.UTF_8), "crc".getBytes(StandardCharsets.UTF_8)));
        ByteBuffer buffer = records.buffer();
        buffer.put(buffer.limit() - 1, (byte) (buffer.get(buffer.limit() - 1) ^ 0xFF));
        try (KafkaWire wire = new KafkaWire(fixture.bootstrap())) {
            assertEquals(Errors.CORRUPT_MESSAGE, errorOf(sendProduce(wire, records)));
        }
        assertBrokerStillServes();
    }

    @Test
    void aBatchWithAWrongMagicIsCorruptMessage() throws Exception {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord("k".getBytes(StandardCharsets.UTF_8), "magic".getBytes(StandardCharsets.UTF_8)));
        ProduceRequest request = ProduceRequest.builder(produce(records, (short) -1)).build((short) 12);
        RequestHeader header = new RequestHeader(ApiKeys.PRODUCE, (short) 12, "magic-test", 9);
        ByteBuffer frame = request.serializeWithHeader(header);
        int at = indexOf(frame, records.buffer());
        frame.put(at + 16, (byte) 1); // the batch's magic byte
        try (KafkaWire wire = new KafkaWire(fixture.bootstrap())) {
            wire.sendFrame(frame);
            ProduceResponse response = (ProduceResponse) org.apache.kafka.common.requests.AbstractResponse
                    .parseResponse(wire.readFrame(), header);
            assertEquals(Errors.CORRUPT_MESSAGE, errorOf(response));
        }
    }

    private static int indexOf(ByteBuffer haystack, ByteBuffer needle) {
        byte[] h = new byte[haystack.remaining()];
        haystack.duplicate().get(h);
        byte[] n = new byte[needle.remaining()];
        needle.duplicate().get(n);
        outer:
        for (int i = 0; i <= h.length - n.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (h[i + j] != n[j]) {
                    continue outer;
                }
            }
            return haystack.position() + i;
        }
        throw new AssertionError("records not found in the frame");
    }

    @Test
    void idempotentRetriesAreNotDuplicatedGapsAndStaleEpochsAreRefused() throws Exception {
        fixture.admin().createTopics(List.of(new NewTopic("idem", 1, (short) 1))).all().get();
        try (KafkaWire wire = new KafkaWire(fixture.bootstrap())) {
            InitProducerIdResponse init = (InitProducerIdResponse) wire.send(new InitProducerIdRequest.Builder(
                    new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000)), (short) 4);
            assertEquals(Errors.NONE, init.error());
            long pid = init.data().producerId();
            short epoch = init.data().producerEpoch();

            ProduceResponse first = sendIdempotent(wire, pid, epoch, 0, "a", "b");
            assertEquals(Errors.NONE, errorOf(first));
            long offset = baseOffsetOf(first);
            ProduceResponse retry = sendIdempotent(wire, pid, epoch, 0, "a", "b");
            assertEquals(Errors.NONE, errorOf(retry));
            assertEquals(offset, baseOffsetOf(retry), "a retried batch is acknowledged with its original offset");
            ProduceResponse next = sendIdempotent(wire, pid, epoch, 2, "c");
            assertEquals(offset + 2, baseOffsetOf(next), "the retry appended nothing");

            assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, errorOf(sendIdempotent(wire, pid, epoch, 7, "gap")));

            ProduceResponse bumped = sendIdempotent(wire, pid, (short) (epoch + 1), 0, "new-epoch");
            assertEquals(Errors.NONE, errorOf(bumped));
            assertEquals(Errors.INVALID_PRODUCER_EPOCH, errorOf(sendIdempotent(wire, pid, epoch, 3, "stale")));

            fixture.restart();
            try (KafkaWire again = new KafkaWire(fixture.bootstrap())) {
                ProduceResponse retried = sendIdempotent(again, pid, (short) (epoch + 1), 0, "new-epoch");
                assertEquals(baseOffsetOf(bumped), baseOffsetOf(retried),
                        "producer state survives a restart: the retry is still recognised");
                assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
                        errorOf(sendIdempotent(again, pid, (short) (epoch + 1), 5, "gap-after-restart")));
            }
        }
    }

    private static ProduceResponse sendIdempotent(KafkaWire wire, long pid, short epoch, int seq, String... values)
            throws Exception {
        return sendIdempotentTo(wire, "idem", pid, epoch, seq, values);
    }

    private static ProduceResponse sendIdempotentTo(KafkaWire wire, String topic, long pid, int epoch, int seq,
                                                    String... values) throws Exception {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(values[i].getBytes(StandardCharsets.UTF_8));
        }
        MemoryRecords batch = MemoryRecords.withIdempotentRecords(RecordBatch.CURRENT_MAGIC_VALUE, 0L, Compression.NONE,
                pid, (short) epoch, seq, RecordBatch.NO_PARTITION_LEADER_EPOCH, records);
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000);
        ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(topic);
        t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(batch));
        data.topicData().add(t);
        return (ProduceResponse) wire.send(ProduceRequest.builder(data), (short) 12);
    }
}
