package io.riffle.processor;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Apache Kafka 4.3.1 (the anchor) as a {@link TestBroker}: a single-node KRaft broker+controller in
 * a child JVM on the jars in {@code kafka-anchor/target/kafka-lib} (system property
 * {@code riffle.kafkaLib}, set by the processor's surefire configuration), so Kafka's
 * dependencies never reach the test classpath. As in the bench's {@code Broker}: {@code
 * StorageTool format}, then {@code kafka.Kafka server.properties} on free loopback ports,
 * replication factor 1 for the internal topics, {@code group.initial.rebalance.delay.ms=0},
 * defaults otherwise. The broker's output goes to {@code kafka.log} in its temporary directory.
 *
 * <p>Closing it closes the clients it made, stops the JVM (SIGTERM, then SIGKILL after 20 s) and
 * deletes the directory. Not thread-safe: owned by the test's thread.
 */
final class KafkaAnchorBroker implements TestBroker {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path home;
    private final String bootstrap;
    private final List<AutoCloseable> clients = new ArrayList<>();
    private Process process;

    KafkaAnchorBroker() throws Exception {
        home = Files.createTempDirectory("riffle-test-kafka-");
        int port = freePort();
        int controllerPort = freePort();
        bootstrap = "127.0.0.1:" + port;
        Path config = home.resolve("server.properties");
        Files.writeString(config, serverProperties(home.resolve("logs"), port, controllerPort));
        try {
            Process format = java("kafka.tools.StorageTool", List.of("format", "-t", Uuid.randomUuid().toString(),
                "-c", config.toString()), home.resolve("format.log"));
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                throw new IOException("kafka-storage format failed, see " + home.resolve("format.log") + ":\n"
                    + Files.readString(home.resolve("format.log")));
            }
            process = java("kafka.Kafka", List.of(config.toString()), home.resolve("kafka.log"));
            awaitStarted();
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    private static Path kafkaLib() throws IOException {
        String lib = System.getProperty("riffle.kafkaLib");
        if (lib == null || !Files.isDirectory(Path.of(lib))) {
            throw new IOException("no Kafka jars at riffle.kafkaLib=" + lib
                + " (set by the processor's surefire configuration; build kafka-anchor with mvn package)");
        }
        return Path.of(lib);
    }

    private Process java(String mainClass, List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xms512m", "-Xmx512m", "-XX:+UseG1GC", "-cp", kafkaLib() + File.separator + "*", mainClass));
        command.addAll(args);
        return new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
    }

    /** Started once the broker answers: a cluster with its one node. Kafka cannot report its port before. */
    private void awaitStarted() throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000");
        try (Admin probe = Admin.create(p)) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IOException("Kafka exited with " + process.exitValue() + ", see " + home.resolve("kafka.log"));
                }
                try {
                    if (!probe.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception notYet) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("Kafka did not start within " + START_TIMEOUT + ", see " + home.resolve("kafka.log"));
                }
                TimeUnit.MILLISECONDS.sleep(200); // polling a child process, not synchronising threads
            }
        }
    }

    @Override
    public String bootstrap() {
        return bootstrap;
    }

    @Override
    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return track(Admin.create(p));
    }

    @Override
    public KafkaProducer<byte[], byte[]> producer(Map<String, Object> settings) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.putAll(settings);
        return track(new KafkaProducer<>(p));
    }

    @Override
    public KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> settings) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
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

    /** Closes, in order: the clients (while the broker still answers), the broker JVM, the directory. Idempotent. */
    @Override
    public void close() throws Exception {
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("KafkaAnchorBroker: closing a client failed: " + e);
            }
        }
        clients.clear();
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                System.err.println("KafkaAnchorBroker: Kafka did not stop within 20 s of SIGTERM, killing it");
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        WordCountHarness.delete(home);
    }

    @Override
    public String toString() {
        return "Kafka 4.3.1";
    }

    private static String serverProperties(Path logDirs, int port, int controllerPort) {
        return String.join("\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + logDirs,
            // one node: internal topics cannot have more than one replica
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0") + "\n";
    }

    /** A port that was free a moment ago; racy by nature, as Kafka cannot report a port it chose itself. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
