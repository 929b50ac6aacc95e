package io.riffle.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.riffle.log.config.BrokerConfig;
import io.riffle.log.storage.StorageFaults;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Time;

/**
 * A broker on an ephemeral loopback port in a temporary data directory, with the official
 * Kafka clients pointed at it. Closing it closes every client it made, the broker, and deletes
 * the directory. Restart keeps the directory.
 */
public final class BrokerFixture implements AutoCloseable {
    private final Path dataDir;
    private final Map<String, String> overrides;
    private final StorageFaults faults;
    private final List<AutoCloseable> clients = new ArrayList<>();
    private Broker broker;

    public BrokerFixture() throws IOException, InterruptedException {
        this(Map.of());
    }

    public BrokerFixture(Map<String, String> overrides) throws IOException, InterruptedException {
        this(overrides, StorageFaults.NONE);
    }

    public BrokerFixture(Map<String, String> overrides, StorageFaults faults) throws IOException, InterruptedException {
        this.dataDir = Files.createTempDirectory("riffle-test-");
        this.overrides = overrides;
        this.faults = faults;
        start();
    }

    private void start() throws IOException, InterruptedException {
        Map<String, String> props = new HashMap<>();
        props.put(BrokerConfig.LOG_DIRS, dataDir.toString());
        props.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0");
        props.put(BrokerConfig.NUM_IO_THREADS, "4");
        props.put(BrokerConfig.NUM_NETWORK_THREADS, "2");
        props.putAll(overrides);
        broker = Broker.start(BrokerConfig.from(props), Time.SYSTEM, faults);
    }

    /** Stops the broker cleanly and starts it again on the same data directory (a new port). */
    public void restart() throws IOException, InterruptedException {
        closeClients();
        broker.close();
        start();
    }

    public Broker broker() {
        return broker;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String bootstrap() {
        return broker.bootstrapServers();
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return track(Admin.create(p));
    }

    /** A producer with the client's defaults (acks=all, idempotent) plus the given settings. */
    public KafkaProducer<byte[], byte[]> producer(Map<String, Object> settings) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.putAll(settings);
        return track(new KafkaProducer<>(p));
    }

    /** A consumer without a group (use assign/seek) plus the given settings. */
    public KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> settings) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putAll(settings);
        return track(new KafkaConsumer<>(p));
    }

    private <T extends AutoCloseable> T track(T client) {
        clients.add(client);
        return client;
    }

    private void closeClients() {
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception e) {
                // closing a client of a stopped broker may time out; nothing to keep
            }
        }
        clients.clear();
    }

    @Override
    public void close() throws IOException {
        closeClients();
        if (broker != null) {
            broker.close();
        }
        try (var walk = Files.walk(dataDir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
