package io.riffle.log.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.kafka.common.config.ConfigDef.Range.atLeast;
import static org.apache.kafka.common.config.ConfigDef.Range.between;

/**
 * A broker's configuration, built from Kafka's property names so a Kafka
 * {@code server.properties} mostly carries over. Immutable and validated on construction: an
 * invalid value throws {@link ConfigException} naming the key; an unknown key is logged as a
 * warning, as Kafka does.
 */
public final class BrokerConfig {
    private static final Logger log = LoggerFactory.getLogger(BrokerConfig.class);

    public static final String NODE_ID = "node.id";
    public static final String LOG_DIRS = "log.dirs";
    public static final String LOG_DIR = "log.dir";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String AUTO_CREATE_TOPICS = "auto.create.topics.enable";
    public static final String DELETE_TOPIC_ENABLE = "delete.topic.enable";
    public static final String NUM_IO_THREADS = "num.io.threads";
    public static final String NUM_NETWORK_THREADS = "num.network.threads";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String CLEANER_ENABLE = "log.cleaner.enable";
    public static final String CLEANER_BACKOFF_MS = "log.cleaner.backoff.ms";
    public static final String FLUSH_SCHEDULER_INTERVAL_MS = "log.flush.scheduler.interval.ms";
    public static final String PRODUCER_ID_EXPIRATION_MS = "producer.id.expiration.ms";
    public static final String PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = "producer.id.expiration.check.interval.ms";
    public static final String RETENTION_HOURS = "log.retention.hours";
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String GROUP_INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    public static final String GROUP_MAX_SIZE = "group.max.size";
    public static final String OFFSETS_TOPIC_PARTITIONS = "offsets.topic.num.partitions";
    public static final String OFFSETS_TOPIC_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    public static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    public static final String OFFSETS_RETENTION_CHECK_INTERVAL_MS = "offsets.retention.check.interval.ms";
    public static final String OFFSET_METADATA_MAX_BYTES = "offset.metadata.max.bytes";
    public static final String CONSUMER_GROUP_SESSION_TIMEOUT_MS = "group.consumer.session.timeout.ms";
    public static final String CONSUMER_GROUP_HEARTBEAT_INTERVAL_MS = "group.consumer.heartbeat.interval.ms";
    public static final String CONSUMER_GROUP_MAX_SIZE = "group.consumer.max.size";
    public static final String TXN_STATE_PARTITIONS = "transaction.state.log.num.partitions";
    public static final String TXN_STATE_SEGMENT_BYTES = "transaction.state.log.segment.bytes";
    public static final String TXN_MAX_TIMEOUT_MS = "transaction.max.timeout.ms";
    public static final String TXN_ID_EXPIRATION_MS = "transactional.id.expiration.ms";
    public static final String TXN_ABORT_CHECK_INTERVAL_MS = "transaction.abort.timed.out.transaction.cleanup.interval.ms";
    public static final String TXN_EXPIRE_CHECK_INTERVAL_MS = "transaction.remove.expired.transaction.cleanup.interval.ms";
    public static final String RETENTION_MINUTES = "log.retention.minutes";
    public static final String ROLL_HOURS = "log.roll.hours";

    /** Kafka keys that a Kafka server.properties commonly holds and that mean nothing on one Riffle node. */
    private static final Set<String> ACCEPTED_WITHOUT_EFFECT = Set.of(
            "process.roles", "controller.quorum.voters", "controller.quorum.bootstrap.servers",
            "controller.listener.names", "listener.security.protocol.map", "inter.broker.listener.name",
            "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
            "transaction.state.log.min.isr", "socket.send.buffer.bytes",
            "socket.receive.buffer.bytes", "num.recovery.threads.per.data.dir", "share.coordinator.state.topic.replication.factor",
            "share.coordinator.state.topic.min.isr", "broker.id", "log.cleaner.threads");

    private static final ConfigDef DEF = new ConfigDef()
            .define(NODE_ID, Type.INT, 1, atLeast(0), Importance.HIGH, "This node's id.")
            .define(LOG_DIRS, Type.STRING, null, Importance.HIGH, "The data directory (one directory).")
            .define(LOG_DIR, Type.STRING, "./riffle-data", Importance.HIGH, "The data directory, if log.dirs is unset.")
            .define(LISTENERS, Type.STRING, "PLAINTEXT://:9092", Importance.HIGH,
                    "Where to listen for Kafka clients: PLAINTEXT://HOST:PORT; port 0 picks a free port.")
            .define(ADVERTISED_LISTENERS, Type.STRING, null, Importance.HIGH,
                    "The address given to clients in metadata, if not the listener's.")
            .define(NUM_PARTITIONS, Type.INT, 1, atLeast(1), Importance.MEDIUM,
                    "Partitions of an auto-created topic, or of CreateTopics without a count.")
            .define(DEFAULT_REPLICATION_FACTOR, Type.SHORT, (short) 1, atLeast(1), Importance.MEDIUM,
                    "Replication factor of auto-created topics.")
            .define(AUTO_CREATE_TOPICS, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Create a topic when a client asks for metadata of one that does not exist.")
            .define(DELETE_TOPIC_ENABLE, Type.BOOLEAN, true, Importance.MEDIUM, "Whether topics can be deleted.")
            .define(NUM_IO_THREADS, Type.INT, 8, atLeast(1), Importance.MEDIUM, "Request handler threads.")
            .define(NUM_NETWORK_THREADS, Type.INT, 3, atLeast(1), Importance.MEDIUM, "Socket I/O threads.")
            .define(SOCKET_REQUEST_MAX_BYTES, Type.INT, 104_857_600, atLeast(1), Importance.MEDIUM,
                    "The largest request frame; a larger one closes that connection.")
            .define(RETENTION_CHECK_INTERVAL_MS, Type.LONG, 300_000L, atLeast(1), Importance.MEDIUM,
                    "How often retention looks for segments to delete.")
            .define(RETENTION_HOURS, Type.INT, 168, Importance.HIGH, "Retention in hours, if log.retention.ms/minutes are unset.")
            .define(RETENTION_MINUTES, Type.INT, null, Importance.HIGH, "Retention in minutes, if log.retention.ms is unset.")
            .define(ROLL_HOURS, Type.INT, 168, atLeast(1), Importance.HIGH, "Segment age limit in hours, if log.roll.ms is unset.")
            .define(CLEANER_ENABLE, Type.BOOLEAN, true, Importance.MEDIUM, "Run the log cleaner for compacted topics.")
            .define(CLEANER_BACKOFF_MS, Type.LONG, 15_000L, atLeast(0), Importance.MEDIUM,
                    "How long the cleaner sleeps when there is nothing to clean.")
            .define(FLUSH_SCHEDULER_INTERVAL_MS, Type.LONG, 1_000L, atLeast(1), Importance.LOW,
                    "How often logs are checked against flush.ms.")
            .define(PRODUCER_ID_EXPIRATION_MS, Type.INT, 86_400_000, atLeast(1), Importance.LOW,
                    "How long an idle producer id's state is kept.")
            .define(PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS, Type.INT, 600_000, atLeast(1), Importance.LOW,
                    "How often producer ids idle longer than producer.id.expiration.ms are removed.")
            .define(GROUP_MIN_SESSION_TIMEOUT_MS, Type.INT, 6_000, atLeast(0), Importance.MEDIUM,
                    "The smallest session timeout a classic group member may ask for.")
            .define(GROUP_MAX_SESSION_TIMEOUT_MS, Type.INT, 1_800_000, atLeast(0), Importance.MEDIUM,
                    "The largest session timeout a classic group member may ask for.")
            .define(GROUP_INITIAL_REBALANCE_DELAY_MS, Type.INT, 3_000, atLeast(0), Importance.MEDIUM,
                    "How long the first rebalance of an empty group waits for more members to join.")
            .define(GROUP_MAX_SIZE, Type.INT, Integer.MAX_VALUE, atLeast(1), Importance.MEDIUM,
                    "The most members a classic group may have.")
            .define(OFFSETS_TOPIC_PARTITIONS, Type.INT, 50, atLeast(1), Importance.HIGH,
                    "Partitions of the internal __consumer_offsets topic (fixed once it exists).")
            .define(OFFSETS_TOPIC_SEGMENT_BYTES, Type.INT, 104_857_600, atLeast(1024), Importance.LOW,
                    "Segment size of the __consumer_offsets topic.")
            .define(OFFSETS_RETENTION_MINUTES, Type.INT, 10_080, atLeast(1), Importance.HIGH,
                    "How long the committed offsets of an empty group are kept.")
            .define(OFFSETS_RETENTION_CHECK_INTERVAL_MS, Type.LONG, 600_000L, atLeast(1), Importance.LOW,
                    "How often expired offsets are removed.")
            .define(OFFSET_METADATA_MAX_BYTES, Type.INT, 4096, atLeast(0), Importance.LOW,
                    "The largest metadata string of a committed offset.")
            .define(CONSUMER_GROUP_SESSION_TIMEOUT_MS, Type.INT, 45_000, atLeast(1), Importance.MEDIUM,
                    "Session timeout of members of consumer-protocol (KIP-848) groups.")
            .define(CONSUMER_GROUP_HEARTBEAT_INTERVAL_MS, Type.INT, 5_000, atLeast(1), Importance.MEDIUM,
                    "Heartbeat interval given to members of consumer-protocol (KIP-848) groups.")
            .define(CONSUMER_GROUP_MAX_SIZE, Type.INT, Integer.MAX_VALUE, atLeast(1), Importance.MEDIUM,
                    "The most members a consumer-protocol group may have.")
            .define(TXN_STATE_PARTITIONS, Type.INT, 50, atLeast(1), Importance.HIGH,
                    "Partitions of the internal __transaction_state topic (fixed once it exists).")
            .define(TXN_STATE_SEGMENT_BYTES, Type.INT, 104_857_600, atLeast(1024), Importance.LOW,
                    "Segment size of the __transaction_state topic.")
            .define(TXN_MAX_TIMEOUT_MS, Type.INT, 900_000, atLeast(1), Importance.HIGH,
                    "The longest transaction timeout a producer may ask for.")
            .define(TXN_ID_EXPIRATION_MS, Type.INT, 604_800_000, atLeast(1), Importance.LOW,
                    "How long an idle transactional id is kept.")
            .define(TXN_ABORT_CHECK_INTERVAL_MS, Type.INT, 10_000, atLeast(1), Importance.LOW,
                    "How often transactions past their timeout are aborted.")
            .define(TXN_EXPIRE_CHECK_INTERVAL_MS, Type.INT, 3_600_000, atLeast(1), Importance.LOW,
                    "How often expired transactional ids are removed.");

    static {
        for (LogConfig.Key key : LogConfig.keys().values()) {
            if (!DEF.names().contains(key.brokerSynonym())) {
                // log.retention.ms and log.roll.ms default to unset: the hours/minutes keys decide then.
                boolean unsetByDefault = key.name().equals("retention.ms") || key.name().equals("segment.ms");
                Object def = unsetByDefault ? null : key.defaultValue();
                ConfigDef.Validator validator = key.validator();
                ConfigDef.Validator nullable = validator == null ? null : (name, value) -> {
                    if (value != null) {
                        validator.ensureValid(name, value);
                    }
                };
                DEF.define(key.brokerSynonym(), key.type(), def, nullable, Importance.MEDIUM, key.doc());
            }
        }
    }

    private final Map<String, Object> values;
    private final Map<String, String> originals;
    private final Map<String, Object> logDefaults;

    private BrokerConfig(Map<String, String> originals) {
        this.originals = Map.copyOf(originals);
        for (String k : originals.keySet()) {
            if (!DEF.names().contains(k) && !ACCEPTED_WITHOUT_EFFECT.contains(k)) {
                log.warn("Unknown configuration '{}' was supplied and is ignored.", k);
            }
        }
        Map<String, String> known = new HashMap<>(originals);
        known.keySet().retainAll(DEF.names());
        this.values = DEF.parse(known);
        this.logDefaults = buildLogDefaults();
        listener(); // validates the listener syntax early
    }

    /** Builds a config from properties (string values), failing on the first invalid value. */
    public static BrokerConfig from(Properties properties) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            map.put(name, properties.getProperty(name).trim());
        }
        return new BrokerConfig(map);
    }

    public static BrokerConfig from(Map<String, String> map) {
        return new BrokerConfig(map);
    }

    private Map<String, Object> buildLogDefaults() {
        Map<String, Object> defaults = new HashMap<>();
        for (LogConfig.Key key : LogConfig.keys().values()) {
            Object v = values.get(key.brokerSynonym());
            if (v != null) {
                defaults.put(key.name(), v);
            }
        }
        if (values.get("log.retention.ms") == null) {
            Integer minutes = (Integer) values.get(RETENTION_MINUTES);
            long ms = minutes != null ? minutes * 60_000L : ((Integer) values.get(RETENTION_HOURS)) * 3_600_000L;
            defaults.put("retention.ms", ms < 0 ? -1L : ms);
        }
        if (values.get("log.roll.ms") == null) {
            defaults.put("segment.ms", ((Integer) values.get(ROLL_HOURS)) * 3_600_000L);
        }
        LogConfig.effective(defaults, Map.of()); // validate the broker-wide topic defaults
        return Map.copyOf(defaults);
    }

    /** Broker-level values for the topic-level keys, keyed by the topic-level name. */
    public Map<String, Object> logDefaults() {
        return logDefaults;
    }

    /** Whether the broker config file set the synonym of this topic-level key. */
    public boolean brokerSetsLogKey(String topicKey) {
        LogConfig.Key key = LogConfig.keys().get(topicKey);
        return key != null && originals.containsKey(key.brokerSynonym());
    }

    public Map<String, String> originals() {
        return originals;
    }

    public int nodeId() { return (Integer) values.get(NODE_ID); }

    public Path dataDir() {
        String dirs = (String) values.get(LOG_DIRS);
        String dir = dirs != null ? dirs.split(",")[0].trim() : (String) values.get(LOG_DIR);
        return Path.of(dir);
    }

    /** The listener as host (empty for all interfaces) and port. */
    public Listener listener() {
        return Listener.parse(LISTENERS, (String) values.get(LISTENERS));
    }

    public Listener advertisedListener() {
        String adv = (String) values.get(ADVERTISED_LISTENERS);
        return adv == null ? null : Listener.parse(ADVERTISED_LISTENERS, adv);
    }

    public int numPartitions() { return (Integer) values.get(NUM_PARTITIONS); }
    public short defaultReplicationFactor() { return (Short) values.get(DEFAULT_REPLICATION_FACTOR); }
    public boolean autoCreateTopics() { return (Boolean) values.get(AUTO_CREATE_TOPICS); }
    public boolean deleteTopicEnable() { return (Boolean) values.get(DELETE_TOPIC_ENABLE); }
    public int numIoThreads() { return (Integer) values.get(NUM_IO_THREADS); }
    public int numNetworkThreads() { return (Integer) values.get(NUM_NETWORK_THREADS); }
    public int socketRequestMaxBytes() { return (Integer) values.get(SOCKET_REQUEST_MAX_BYTES); }
    public long retentionCheckIntervalMs() { return (Long) values.get(RETENTION_CHECK_INTERVAL_MS); }
    public boolean cleanerEnable() { return (Boolean) values.get(CLEANER_ENABLE); }
    public long cleanerBackoffMs() { return (Long) values.get(CLEANER_BACKOFF_MS); }
    public long flushSchedulerIntervalMs() { return (Long) values.get(FLUSH_SCHEDULER_INTERVAL_MS); }
    public int producerIdExpirationMs() { return (Integer) values.get(PRODUCER_ID_EXPIRATION_MS); }
    public int producerIdExpirationCheckIntervalMs() { return (Integer) values.get(PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS); }
    public int groupMinSessionTimeoutMs() { return (Integer) values.get(GROUP_MIN_SESSION_TIMEOUT_MS); }
    public int groupMaxSessionTimeoutMs() { return (Integer) values.get(GROUP_MAX_SESSION_TIMEOUT_MS); }
    public int groupInitialRebalanceDelayMs() { return (Integer) values.get(GROUP_INITIAL_REBALANCE_DELAY_MS); }
    public int groupMaxSize() { return (Integer) values.get(GROUP_MAX_SIZE); }
    public int offsetsTopicPartitions() { return (Integer) values.get(OFFSETS_TOPIC_PARTITIONS); }
    public int offsetsTopicSegmentBytes() { return (Integer) values.get(OFFSETS_TOPIC_SEGMENT_BYTES); }
    public long offsetsRetentionMs() { return (Integer) values.get(OFFSETS_RETENTION_MINUTES) * 60_000L; }
    public long offsetsRetentionCheckIntervalMs() { return (Long) values.get(OFFSETS_RETENTION_CHECK_INTERVAL_MS); }
    public int offsetMetadataMaxBytes() { return (Integer) values.get(OFFSET_METADATA_MAX_BYTES); }
    public int consumerGroupSessionTimeoutMs() { return (Integer) values.get(CONSUMER_GROUP_SESSION_TIMEOUT_MS); }
    public int consumerGroupHeartbeatIntervalMs() { return (Integer) values.get(CONSUMER_GROUP_HEARTBEAT_INTERVAL_MS); }
    public int consumerGroupMaxSize() { return (Integer) values.get(CONSUMER_GROUP_MAX_SIZE); }
    public int transactionStatePartitions() { return (Integer) values.get(TXN_STATE_PARTITIONS); }
    public int transactionStateSegmentBytes() { return (Integer) values.get(TXN_STATE_SEGMENT_BYTES); }
    public int transactionMaxTimeoutMs() { return (Integer) values.get(TXN_MAX_TIMEOUT_MS); }
    public int transactionalIdExpirationMs() { return (Integer) values.get(TXN_ID_EXPIRATION_MS); }
    public int transactionAbortCheckIntervalMs() { return (Integer) values.get(TXN_ABORT_CHECK_INTERVAL_MS); }
    public int transactionExpireCheckIntervalMs() { return (Integer) values.get(TXN_EXPIRE_CHECK_INTERVAL_MS); }

    /** Every broker key with its documentation, for `riffle server --help-config` and the docs. */
    public static ConfigDef definition() {
        return DEF;
    }

    /** A PLAINTEXT listener address. */
    public record Listener(String host, int port) {
        /** Parses NAME://HOST:PORT (the first of a comma-separated list). */
        public static Listener parse(String key, String value) {
            String v = value.split(",")[0].trim();
            int scheme = v.indexOf("://");
            if (scheme < 0) {
                throw new ConfigException(key, value, "expected NAME://HOST:PORT, e.g. PLAINTEXT://:9092");
            }
            String hostPort = v.substring(scheme + 3);
            int colon = hostPort.lastIndexOf(':');
            if (colon < 0) {
                throw new ConfigException(key, value, "expected NAME://HOST:PORT with a port");
            }
            try {
                int port = Integer.parseInt(hostPort.substring(colon + 1));
                between(0, 65535).ensureValid(key, port);
                String host = hostPort.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                return new Listener(host, port);
            } catch (NumberFormatException e) {
                throw new ConfigException(key, value, "the port is not a number");
            }
        }
    }
}
