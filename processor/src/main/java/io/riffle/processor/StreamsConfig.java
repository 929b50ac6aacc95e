package io.riffle.processor;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The validated configuration of a {@link RiffleStreams} instance. Every key, its default and
 * its meaning are here. Unknown keys fail at construction with the key's name, except keys
 * prefixed {@code consumer.}, {@code producer.} or {@code admin.}, passed (without the prefix)
 * to the corresponding kafka-clients client. Immutable.
 */
public final class StreamsConfig {
    /** Required. Names the consumer group, the internal topics' prefix and the state directory. */
    public static final String APPLICATION_ID = "application.id";
    /** Required. {@code host:port[,host:port...]} of a Riffle node or any Kafka cluster. */
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    /** Stream threads per instance; default 1. */
    public static final String NUM_STREAM_THREADS = "num.stream.threads";
    /** {@code at_least_once} (default) or {@code exactly_once_v2}. */
    public static final String PROCESSING_GUARANTEE = "processing.guarantee";
    /** How often tasks commit: default 30000, or 100 under exactly-once. */
    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
    /** Root of local state: {@code <state.dir>/<application.id>/<task>}; default {@code java.io.tmpdir/riffle-streams}. */
    public static final String STATE_DIR = "state.dir";
    /** Record cache bytes per instance, split across threads; default 10 MiB. */
    public static final String STATESTORE_CACHE_MAX_BYTES = "statestore.cache.max.bytes";
    /** Class name of a {@code Serde} with a public no-arg constructor; default {@code ByteArraySerde}. */
    public static final String DEFAULT_KEY_SERDE = "default.key.serde";
    public static final String DEFAULT_VALUE_SERDE = "default.value.serde";
    /** {@code host:port} where this instance serves interactive queries; published to the group for {@code queryMetadataForKey}. */
    public static final String APPLICATION_SERVER = "application.server";

    /** Class name of a {@link DeserializationExceptionHandler}; default {@link LogAndFailExceptionHandler}. */
    public static final String DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER = "default.deserialization.exception.handler";
    /** Class name of a {@link ProcessingExceptionHandler}; default {@link LogAndFailProcessingExceptionHandler}. */
    public static final String PROCESSING_EXCEPTION_HANDLER = "processing.exception.handler";
    /**
     * A topic receiving every input record that fails deserialization or processing (raw bytes,
     * with headers naming the exception and the input position); processing then continues.
     * Not created by Riffle. Default: none.
     */
    public static final String ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME = "errors.dead.letter.queue.topic.name";
    /** Class name of a {@link TimestampExtractor}; default {@link FailOnInvalidTimestamp}. */
    public static final String DEFAULT_TIMESTAMP_EXTRACTOR = "default.timestamp.extractor";

    public static final String AT_LEAST_ONCE = "at_least_once";
    public static final String EXACTLY_ONCE_V2 = "exactly_once_v2";

    private static final Set<String> KEYS = Set.of(APPLICATION_ID, BOOTSTRAP_SERVERS, NUM_STREAM_THREADS, PROCESSING_GUARANTEE,
        COMMIT_INTERVAL_MS, STATE_DIR, STATESTORE_CACHE_MAX_BYTES, DEFAULT_KEY_SERDE, DEFAULT_VALUE_SERDE,
        APPLICATION_SERVER, DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER, PROCESSING_EXCEPTION_HANDLER,
        ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME, DEFAULT_TIMESTAMP_EXTRACTOR);

    private final String applicationId;
    private final String bootstrapServers;
    private final int numStreamThreads;
    private final boolean exactlyOnce;
    private final long commitIntervalMs;
    private final Path stateDir;
    private final long cacheMaxBytes;
    private final Serde<?> defaultKeySerde;
    private final Serde<?> defaultValueSerde;
    private final HostInfo applicationServer;
    private final DeserializationExceptionHandler deserializationExceptionHandler;
    private final ProcessingExceptionHandler processingExceptionHandler;
    private final String deadLetterQueueTopic;
    private final TimestampExtractor timestampExtractor;
    private final Map<String, Object> consumerOverrides = new HashMap<>();
    private final Map<String, Object> producerOverrides = new HashMap<>();
    private final Map<String, Object> adminOverrides = new HashMap<>();

    /** Validates; throws {@link ConfigException} naming the offending key. */
    public StreamsConfig(Properties props) {
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith("consumer.")) {
                consumerOverrides.put(key.substring(9), props.getProperty(key));
            } else if (key.startsWith("producer.")) {
                producerOverrides.put(key.substring(9), props.getProperty(key));
            } else if (key.startsWith("admin.")) {
                adminOverrides.put(key.substring(6), props.getProperty(key));
            } else if (!KEYS.contains(key)) {
                throw new ConfigException(key, props.getProperty(key), "unknown configuration key; known keys are " + KEYS
                    + " and client settings prefixed consumer., producer. or admin.");
            }
        }
        applicationId = required(props, APPLICATION_ID);
        if (!applicationId.matches("[a-zA-Z0-9._-]+")) {
            throw new ConfigException(APPLICATION_ID, applicationId, "must match [a-zA-Z0-9._-]+ (it prefixes topic names)");
        }
        bootstrapServers = required(props, BOOTSTRAP_SERVERS);
        numStreamThreads = (int) number(props, NUM_STREAM_THREADS, 1, 1, 1024);
        String guarantee = props.getProperty(PROCESSING_GUARANTEE, AT_LEAST_ONCE);
        if (!guarantee.equals(AT_LEAST_ONCE) && !guarantee.equals(EXACTLY_ONCE_V2)) {
            throw new ConfigException(PROCESSING_GUARANTEE, guarantee, "must be " + AT_LEAST_ONCE + " or " + EXACTLY_ONCE_V2);
        }
        exactlyOnce = guarantee.equals(EXACTLY_ONCE_V2);
        commitIntervalMs = number(props, COMMIT_INTERVAL_MS, exactlyOnce ? 100 : 30_000, 1, Long.MAX_VALUE);
        stateDir = Path.of(props.getProperty(STATE_DIR, Path.of(System.getProperty("java.io.tmpdir"), "riffle-streams").toString()));
        cacheMaxBytes = number(props, STATESTORE_CACHE_MAX_BYTES, 10L * 1024 * 1024, 0, Long.MAX_VALUE);
        defaultKeySerde = serde(props, DEFAULT_KEY_SERDE);
        defaultValueSerde = serde(props, DEFAULT_VALUE_SERDE);
        String server = props.getProperty(APPLICATION_SERVER, "").trim();
        try {
            applicationServer = server.isEmpty() ? null : HostInfo.parse(server);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(APPLICATION_SERVER, server, e.getMessage());
        }
        deserializationExceptionHandler = instance(props, DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER,
            DeserializationExceptionHandler.class, new LogAndFailExceptionHandler());
        processingExceptionHandler = instance(props, PROCESSING_EXCEPTION_HANDLER, ProcessingExceptionHandler.class,
            new LogAndFailProcessingExceptionHandler());
        timestampExtractor = instance(props, DEFAULT_TIMESTAMP_EXTRACTOR, TimestampExtractor.class, new FailOnInvalidTimestamp());
        String dlq = props.getProperty(ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME, "").trim();
        if (!dlq.isEmpty() && !dlq.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new ConfigException(ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME, dlq, "is not a valid topic name ([a-zA-Z0-9._-], at most 249 characters)");
        }
        deadLetterQueueTopic = dlq.isEmpty() ? null : dlq;
    }

    private static <T> T instance(Properties props, String key, Class<T> type, T dflt) {
        String v = props.getProperty(key);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        Object o;
        try {
            o = Class.forName(v.trim()).getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new ConfigException(key, v, "cannot instantiate (needs a public class with a public no-arg constructor): " + e);
        }
        if (!type.isInstance(o)) {
            throw new ConfigException(key, v, "is not a " + type.getName());
        }
        return type.cast(o);
    }

    private static String required(Properties props, String key) {
        String v = props.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new ConfigException(key, v, "is required");
        }
        return v.trim();
    }

    private static long number(Properties props, String key, long dflt, long min, long max) {
        String v = props.getProperty(key);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < min || n > max) {
                throw new ConfigException(key, v, "must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, v, "must be an integer");
        }
    }

    private static Serde<?> serde(Properties props, String key) {
        String v = props.getProperty(key);
        if (v == null) {
            return Serdes.ByteArray();
        }
        try {
            Object o = Class.forName(v.trim()).getConstructor().newInstance();
            if (!(o instanceof Serde<?> serde)) {
                throw new ConfigException(key, v, "is not a org.apache.kafka.common.serialization.Serde");
            }
            return serde;
        } catch (ReflectiveOperationException e) {
            throw new ConfigException(key, v, "cannot instantiate (needs a public no-arg constructor): " + e);
        }
    }

    public String applicationId() {
        return applicationId;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public int numStreamThreads() {
        return numStreamThreads;
    }

    public boolean exactlyOnce() {
        return exactlyOnce;
    }

    public long commitIntervalMs() {
        return commitIntervalMs;
    }

    public Path stateDir() {
        return stateDir;
    }

    public long cacheMaxBytes() {
        return cacheMaxBytes;
    }

    public Serde<?> defaultKeySerde() {
        return defaultKeySerde;
    }

    public Serde<?> defaultValueSerde() {
        return defaultValueSerde;
    }

    /** Null when unset. */
    public HostInfo applicationServer() {
        return applicationServer;
    }

    public DeserializationExceptionHandler deserializationExceptionHandler() {
        return deserializationExceptionHandler;
    }

    public ProcessingExceptionHandler processingExceptionHandler() {
        return processingExceptionHandler;
    }

    /** Null when unset. */
    public String deadLetterQueueTopic() {
        return deadLetterQueueTopic;
    }

    public TimestampExtractor timestampExtractor() {
        return timestampExtractor;
    }

    public Map<String, Object> consumerOverrides() {
        return Map.copyOf(consumerOverrides);
    }

    public Map<String, Object> producerOverrides() {
        return Map.copyOf(producerOverrides);
    }

    public Map<String, Object> adminOverrides() {
        return Map.copyOf(adminOverrides);
    }
}
