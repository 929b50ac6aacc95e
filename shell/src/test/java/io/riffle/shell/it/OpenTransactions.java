package io.riffle.shell.it;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Leaves transactions open on a partition for the transaction tools to find and abort, in the two
 * ways that happen in production:
 * <ul>
 *   <li>{@link #abandon}: a transactional producer that dies mid-transaction. Its coordinator
 *       still tracks the transaction (until its timeout), so it is open but not hanging.</li>
 *   <li>{@link #orphan}: transactional records from a producer id no coordinator knows — what a
 *       coordinator that lost its state, or a marker that was never written, leaves behind. This
 *       is a hanging transaction: nothing but an administrator's abort will end it. Written with a
 *       raw Produce request, since the official producer always registers with a coordinator.</li>
 * </ul>
 * Stateless, thread-safe; every client it opens is closed before it returns.
 */
final class OpenTransactions {
    /** The largest transaction timeout a broker allows by default: the transaction stays open for the test. */
    static final int TRANSACTION_TIMEOUT_MS = 900_000;

    private OpenTransactions() {
    }

    /** Begins a transaction, writes one acknowledged record to {@code tp}, and closes without ending it. */
    static void abandon(String bootstrap, String transactionalId, TopicPartition tp) throws Exception {
        Properties settings = new Properties();
        settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        settings.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings, new ByteArraySerializer(), new ByteArraySerializer());
        try {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null,
                "abandoned".getBytes(StandardCharsets.UTF_8))).get();
        } finally {
            // A zero timeout skips the abort a graceful close would send first.
            producer.close(Duration.ZERO);
        }
    }

    /**
     * Appends one transactional record of {@code producerId} (epoch 0, written two minutes ago) to
     * {@code tp} with a Produce v12 request, and returns its offset.
     */
    static long orphan(String bootstrap, TopicPartition tp, long producerId) throws IOException {
        long writtenAt = System.currentTimeMillis() - 120_000;
        MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, (short) 0, 0,
            new SimpleRecord(writtenAt, null, "orphaned".getBytes(StandardCharsets.UTF_8)));
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000)
            .setTransactionalId("orphaned-" + producerId);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName(tp.topic());
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(tp.partition()).setRecords(records));
        data.topicData().add(topic);
        short version = 12; // the last version that names topics rather than giving their ids
        ProduceRequest request = ProduceRequest.builder(data).build(version);
        RequestHeader header = new RequestHeader(request.apiKey(), version, "open-transactions-test", 1);

        String host = bootstrap.substring(0, bootstrap.lastIndexOf(':'));
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 10_000);
            socket.setSoTimeout(30_000);
            ByteBuffer payload = request.serializeWithHeader(header);
            byte[] bytes = new byte[payload.remaining()];
            payload.get(bytes);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(bytes.length);
            out.write(bytes);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] answer = new byte[in.readInt()];
            in.readFully(answer);
            ProduceResponse response = (ProduceResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(answer), header);
            var partition = response.data().responses().iterator().next().partitionResponses().get(0);
            if (partition.errorCode() != Errors.NONE.code()) {
                throw new IOException("orphan write to " + tp + " failed: " + Errors.forCode(partition.errorCode()));
            }
            return partition.baseOffset();
        }
    }

    static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    /** The end offset a read_committed consumer sees: the last stable offset. */
    static long readCommittedEnd(Admin admin, TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
            .partitionResult(tp).get().offset();
    }

    static long logEnd(Admin admin, TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
    }

    static void createTopic(Admin admin, String topic, int partitions) throws Exception {
        admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, partitions, (short) 1))).all().get();
    }
}
