package io.riffle.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One broker under test, running in a child JVM on a temporary data directory: either a Riffle
 * node from the distribution or the Apache Kafka anchor from {@code kafka-lib}. Closing it stops
 * the JVM (SIGTERM, then SIGKILL) and deletes the data directory.
 *
 * <p>Not thread-safe: owned by the bench's main thread.
 */
final class Broker implements AutoCloseable {

    /** The contract with the Riffle server: the line it prints once its Kafka listener is bound. */
    static final Pattern RIFFLE_LISTENING =
        Pattern.compile("listening for Kafka clients on ([^:\\s]+):(\\d+)");
    private static final Pattern KAFKA_STARTED = Pattern.compile("Kafka Server started");
    private static final long START_TIMEOUT_SECONDS = 90;

    private final String name;
    private final String bootstrap;
    private final ChildJvm jvm;
    private final Path dataDirectory;

    private Broker(String name, String bootstrap, ChildJvm jvm, Path dataDirectory) {
        this.name = name;
        this.bootstrap = bootstrap;
        this.jvm = jvm;
        this.dataDirectory = dataDirectory;
    }

    String name() {
        return name;
    }

    String bootstrap() {
        return bootstrap;
    }

    /** Starts a Riffle node with {@code --kafka-port 0} and reads the bound port from its output. */
    static Broker startRiffle(BenchPaths paths, List<String> jvmOptions, Path logDir)
        throws IOException, InterruptedException {
        if (!Files.isRegularFile(paths.riffleJar())) {
            throw new IOException("no Riffle distribution at " + paths.riffleJar() + " (run mvn package)");
        }
        Path data = Cleanup.temporaryDirectory("riffle-bench-riffle-");
        ChildJvm jvm = ChildJvm.startWatched("riffle", paths.riffleClasspath(), jvmOptions,
            "io.riffle.shell.Riffle",
            // The same group setting the Kafka anchor gets, so group-join times compare like for like.
            List.of("server", "--data-dir", data.toString(), "--kafka-port", "0",
                "--override", "group.initial.rebalance.delay.ms=0"),
            data, logDir.resolve("riffle-server.log"), RIFFLE_LISTENING);
        try {
            Matcher listening = jvm.awaitLine(START_TIMEOUT_SECONDS);
            return new Broker("Riffle", listening.group(1) + ":" + listening.group(2), jvm, data);
        } catch (IOException | InterruptedException | RuntimeException e) {
            jvm.close();
            Cleanup.delete(data);
            throw e;
        }
    }

    /** Formats and starts a single-node KRaft Apache Kafka broker on free loopback ports. */
    static Broker startKafka(BenchPaths paths, List<String> jvmOptions, Path logDir)
        throws IOException, InterruptedException {
        Path home = Cleanup.temporaryDirectory("riffle-bench-kafka-");
        int port = freePort();
        int controllerPort = freePort();
        Path config = home.resolve("server.properties");
        Files.writeString(config, kafkaServerProperties(home.resolve("logs"), port, controllerPort));

        ChildJvm.ToolResult uuid = ChildJvm.runTool("kafka-storage-random-uuid", paths.kafkaClasspath(),
            List.of("-Xmx256m"), "kafka.tools.StorageTool", List.of("random-uuid"), home, logDir, 120);
        String clusterId = uuid.stdout().strip();
        if (!uuid.ok() || clusterId.isEmpty() || clusterId.contains("\n")) {
            Cleanup.delete(home);
            throw new IOException("kafka storage random-uuid failed: " + uuid.failureSummary());
        }
        ChildJvm.ToolResult format = ChildJvm.runTool("kafka-storage-format", paths.kafkaClasspath(),
            List.of("-Xmx256m"), "kafka.tools.StorageTool",
            List.of("format", "-t", clusterId, "-c", config.toString()), home, logDir, 120);
        if (!format.ok()) {
            Cleanup.delete(home);
            throw new IOException("kafka storage format failed: " + format.failureSummary());
        }
        ChildJvm jvm = ChildJvm.startWatched("kafka", paths.kafkaClasspath(), jvmOptions, "kafka.Kafka",
            List.of(config.toString()), home, logDir.resolve("kafka-server.log"), KAFKA_STARTED);
        try {
            jvm.awaitLine(START_TIMEOUT_SECONDS);
            return new Broker("Kafka", "127.0.0.1:" + port, jvm, home);
        } catch (IOException | InterruptedException | RuntimeException e) {
            jvm.close();
            Cleanup.delete(home);
            throw e;
        }
    }

    boolean isAlive() {
        return jvm.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        jvm.close();
        Cleanup.delete(dataDirectory);
    }

    private static String kafkaServerProperties(Path logDirs, int port, int controllerPort) {
        List<String> lines = new ArrayList<>(List.of(
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + logDirs,
            // One node: internal topics cannot have more than one replica.
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            // As in Kafka's own example config: no 3 s wait for more members before the first rebalance.
            "group.initial.rebalance.delay.ms=0"));
        return String.join("\n", lines) + "\n";
    }

    /**
     * A port that was free a moment ago. Racy by nature (another process may take it before
     * Kafka binds), which is acceptable for a bench on a quiet machine; Kafka, unlike Riffle,
     * cannot report a port it chose itself.
     */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
