package io.riffle.shell.admin;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Option;

/**
 * The options every admin command shares ({@code --bootstrap}, {@code --timeout-ms}) and the
 * clients built from them. Every broker call is bounded by the timeout, so a command against an
 * unreachable broker fails after it instead of hanging. A picocli mixin; not thread-safe (owned by
 * the command's thread).
 */
public final class BrokerConnection {

    static final String DEFAULT_BOOTSTRAP = "localhost:9092";
    static final long DEFAULT_TIMEOUT_MS = 10_000;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", defaultValue = DEFAULT_BOOTSTRAP,
            description = "Kafka-protocol address of a broker (Riffle or Apache Kafka). Default ${DEFAULT-VALUE}.")
    String bootstrap;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "" + DEFAULT_TIMEOUT_MS,
            description = "Give up when the broker has not answered within MS milliseconds. Default ${DEFAULT-VALUE}.")
    long timeoutMs;

    /** A connection given in code rather than by options (commands whose options differ). */
    static BrokerConnection of(String bootstrap, long timeoutMs) {
        BrokerConnection connection = new BrokerConnection();
        connection.bootstrap = bootstrap;
        connection.timeoutMs = timeoutMs;
        return connection;
    }

    String bootstrap() {
        return bootstrap;
    }

    Duration timeout() {
        return Duration.ofMillis(timeoutMs);
    }

    /** Settings shared by the admin client, the producer and the consumer. */
    Properties clientProperties() {
        if (timeoutMs <= 0) {
            throw new CommandFailure("--timeout-ms must be positive, not " + timeoutMs);
        }
        quietClientLogging();
        Properties properties = new Properties();
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(CommonClientConfigs.CLIENT_ID_CONFIG, "riffle-cli");
        // Fail fast when the broker is down: no long reconnect back-off between the few tries we get.
        properties.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        return properties;
    }

    Admin admin() {
        Properties properties = clientProperties();
        int timeout = (int) Math.min(Integer.MAX_VALUE, timeoutMs);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeout));
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(timeout));
        try {
            return Admin.create(properties);
        } catch (ConfigException e) {
            throw new CommandFailure("invalid --bootstrap '" + bootstrap + "': " + e.getMessage());
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new CommandFailure("cannot connect to '" + bootstrap + "': " + rootMessage(e));
        }
    }

    /**
     * Waits for an admin future, at most a little longer than the timeout the client itself was
     * given (the client normally fails first, with the broker's error). Failures are rethrown
     * as they are, unwrapped from {@link ExecutionException}, for {@link Failures} to explain.
     */
    <T> T await(KafkaFuture<T> future) {
        try {
            return future.get(timeoutMs + 2_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw Failures.rethrow(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new org.apache.kafka.common.errors.TimeoutException("no answer within " + timeoutMs + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure("interrupted");
        }
    }

    /**
     * The clients log their connection retries at WARN; on a command line that noise hides the
     * one error line we print. Keeps any level the user set explicitly.
     */
    private static void quietClientLogging() {
        String key = "org.slf4j.simpleLogger.log.org.apache.kafka";
        if (System.getProperty(key) == null) {
            System.setProperty(key, "error");
        }
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
