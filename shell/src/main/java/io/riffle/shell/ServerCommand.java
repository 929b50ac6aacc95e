package io.riffle.shell;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.riffle.log.Broker;
import io.riffle.log.config.BrokerConfig;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code riffle server}: runs a node in the foreground until SIGTERM or Ctrl-C. Settings come
 * from {@code --config FILE} (Kafka's property names) with flags overriding it.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run a Riffle node in the foreground (Kafka protocol listener).")
final class ServerCommand implements Callable<Integer> {
    private static volatile boolean running;

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file with Kafka's broker keys.")
    Path configFile;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (log.dirs). Default ./riffle-data.")
    Path dataDir;

    @Option(names = "--kafka-port", paramLabel = "PORT", description = "Kafka protocol port; 0 picks a free port. Default 9092.")
    Integer kafkaPort;

    @Option(names = "--host", paramLabel = "HOST", description = "Interface to listen on. Default: all.")
    String host;

    @Option(names = "--node-id", paramLabel = "N", description = "This node's id (node.id). Default 1.")
    Integer nodeId;

    @Option(names = "--override", paramLabel = "KEY=VALUE", description = "Set any broker key, e.g. --override num.partitions=3.")
    java.util.Map<String, String> overrides = new java.util.LinkedHashMap<>();

    static boolean isRunning() {
        return running;
    }

    @Override
    public Integer call() throws Exception {
        BrokerConfig config;
        try {
            config = BrokerConfig.from(properties());
        } catch (ConfigException e) {
            System.err.println("riffle server: invalid configuration: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            System.err.println("riffle server: cannot read " + configFile + ": " + e.getMessage());
            return 2;
        }
        Broker broker;
        try {
            broker = Broker.start(config);
        } catch (org.apache.kafka.common.KafkaException | IOException e) {
            System.err.println("riffle server: cannot start: " + e.getMessage());
            return 1;
        }
        running = true;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Riffle node " + config.nodeId() + " stopping");
            broker.close();
            System.out.println("Riffle node " + config.nodeId() + " stopped");
            stopped.countDown();
        }, "riffle-shutdown"));
        System.out.println("Riffle node " + config.nodeId() + " listening for Kafka clients on "
                + broker.bootstrapServers() + " (data in " + config.dataDir().toAbsolutePath() + ")");
        System.out.flush();
        stopped.await();
        return 0;
    }

    private Properties properties() throws IOException {
        Properties props = new Properties();
        if (configFile != null) {
            try (Reader in = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                props.load(in);
            }
        }
        props.putAll(overrides);
        if (dataDir != null) {
            props.setProperty(BrokerConfig.LOG_DIRS, dataDir.toString());
        }
        if (nodeId != null) {
            props.setProperty(BrokerConfig.NODE_ID, nodeId.toString());
        }
        if (kafkaPort != null || host != null) {
            String listeners = props.getProperty(BrokerConfig.LISTENERS, "PLAINTEXT://:9092");
            BrokerConfig.Listener current = BrokerConfig.Listener.parse(BrokerConfig.LISTENERS, listeners);
            String h = host != null ? host : current.host();
            int p = kafkaPort != null ? kafkaPort : current.port();
            props.setProperty(BrokerConfig.LISTENERS, "PLAINTEXT://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + p);
        }
        return props;
    }
}
