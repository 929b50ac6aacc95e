package io.riffle.log.config;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.record.TimestampType;

import static org.apache.kafka.common.config.ConfigDef.Range.atLeast;
import static org.apache.kafka.common.config.ConfigDef.Range.between;

/**
 * The configuration of one topic's log: Kafka's topic-level keys, each with the broker key
 * that supplies its default (its "synonym", as Kafka's DescribeConfigs reports it).
 *
 * <p>Immutable. A topic's effective config is the broker defaults overlaid with the topic's
 * own overrides; {@link #effective(Map, Map)} builds it and validates every value, naming the
 * key on failure.
 */
public final class LogConfig {

    /** One topic-level key: its type, hard default, broker synonym and documentation. */
    public record Key(String name, Type type, Object defaultValue, String brokerSynonym,
                      ConfigDef.Validator validator, String doc) {
    }

    private static final Map<String, Key> KEYS = new java.util.LinkedHashMap<>();
    /** Validates and parses topic-level overrides. */
    public static final ConfigDef TOPIC_DEF = new ConfigDef();

    private static void key(String name, Type type, Object def, String synonym,
                            ConfigDef.Validator validator, String doc) {
        KEYS.put(name, new Key(name, type, def, synonym, validator, doc));
        TOPIC_DEF.define(name, type, def, validator, Importance.MEDIUM, doc);
    }

    static {
        key(TopicConfig.CLEANUP_POLICY_CONFIG, Type.LIST, TopicConfig.CLEANUP_POLICY_DELETE, "log.cleanup.policy",
                ConfigDef.ValidList.in(TopicConfig.CLEANUP_POLICY_DELETE, TopicConfig.CLEANUP_POLICY_COMPACT),
                "delete: old segments are removed by retention; compact: the latest record per key is kept.");
        key(TopicConfig.RETENTION_MS_CONFIG, Type.LONG, 604_800_000L, "log.retention.ms", atLeast(-1),
                "How long a segment is kept after its newest record, before it is deleted. -1: forever.");
        key(TopicConfig.RETENTION_BYTES_CONFIG, Type.LONG, -1L, "log.retention.bytes", null,
                "The largest size a partition's log may grow to before old segments are deleted. -1: no limit.");
        key(TopicConfig.SEGMENT_BYTES_CONFIG, Type.INT, 1_073_741_824, "log.segment.bytes", atLeast(1024),
                "The size at which a segment file is rolled.");
        key(TopicConfig.SEGMENT_MS_CONFIG, Type.LONG, 604_800_000L, "log.roll.ms", atLeast(1),
                "The age at which the active segment is rolled, even if not full.");
        key(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Type.INT, 1_048_588, "message.max.bytes", atLeast(0),
                "The largest record batch the topic accepts.");
        key(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Type.INT, 1, "min.insync.replicas", atLeast(1),
                "The fewest in-sync replicas that must hold a record before an acks=all produce succeeds.");
        key(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, Type.STRING, "CreateTime", "log.message.timestamp.type",
                ValidString.in("CreateTime", "LogAppendTime"),
                "CreateTime keeps the producer's timestamp; LogAppendTime stamps the broker's time on append.");
        key(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, Type.LONG, Long.MAX_VALUE,
                "log.message.timestamp.before.max.ms", atLeast(0),
                "How far in the past a CreateTime timestamp may lie.");
        key(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, Type.LONG, 3_600_000L,
                "log.message.timestamp.after.max.ms", atLeast(0),
                "How far in the future a CreateTime timestamp may lie.");
        key(TopicConfig.DELETE_RETENTION_MS_CONFIG, Type.LONG, 86_400_000L, "log.cleaner.delete.retention.ms",
                atLeast(0), "How long tombstones are kept in a compacted topic once cleaned.");
        key(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, Type.DOUBLE, 0.5, "log.cleaner.min.cleanable.ratio",
                between(0, 1), "The share of uncleaned log that makes a compacted log eligible for cleaning.");
        key(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, Type.LONG, 0L, "log.cleaner.min.compaction.lag.ms",
                atLeast(0), "The least time a record stays uncompacted.");
        key(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, Type.LONG, Long.MAX_VALUE, "log.cleaner.max.compaction.lag.ms",
                atLeast(1), "The longest time a record stays uncompacted.");
        key(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, Type.LONG, Long.MAX_VALUE, "log.flush.interval.messages",
                atLeast(1), "Force an fsync after this many records. Default: leave it to the OS.");
        key(TopicConfig.FLUSH_MS_CONFIG, Type.LONG, Long.MAX_VALUE, "log.flush.interval.ms", atLeast(0),
                "Force an fsync when data has been unflushed this long. Default: leave it to the OS.");
        key(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, Type.INT, 10_485_760, "log.index.size.max.bytes", atLeast(4096),
                "The largest size of a segment's offset index.");
        key(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, Type.INT, 4096, "log.index.interval.bytes", atLeast(0),
                "Bytes appended between two entries of the sparse offset index.");
        key(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, Type.LONG, 60_000L, "log.segment.delete.delay.ms", atLeast(0),
                "How long a deleted segment's files stay, for readers still using them.");
        key(TopicConfig.COMPRESSION_TYPE_CONFIG, Type.STRING, "producer", "compression.type",
                ValidString.in("producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"),
                "Batches are stored as the producer compressed them ('producer').");
        key(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, Type.BOOLEAN, false,
                "unclean.leader.election.enable", null, "Whether an out-of-sync replica may become leader.");
        key(TopicConfig.SEGMENT_JITTER_MS_CONFIG, Type.LONG, 0L, "log.roll.jitter.ms", atLeast(0),
                "Random jitter subtracted from segment.ms.");
        key(TopicConfig.PREALLOCATE_CONFIG, Type.BOOLEAN, false, "log.preallocate", null,
                "Preallocate segment files (accepted; Riffle does not preallocate).");
    }

    private final Map<String, Object> values;
    private final Map<String, String> overrides;

    private LogConfig(Map<String, Object> values, Map<String, String> overrides) {
        this.values = values;
        this.overrides = overrides;
    }

    /** All topic-level keys, in a stable order. */
    public static Map<String, Key> keys() {
        return Collections.unmodifiableMap(KEYS);
    }

    /**
     * The effective config of a topic.
     *
     * @param brokerDefaults the broker's values, keyed by topic-level key (see {@link BrokerConfig#logDefaults()})
     * @param topicOverrides the topic's own settings; each is validated
     * @throws ConfigException naming the key whose value is invalid or unknown
     */
    public static LogConfig effective(Map<String, Object> brokerDefaults, Map<String, String> topicOverrides) {
        for (String k : topicOverrides.keySet()) {
            if (!KEYS.containsKey(k)) {
                throw new ConfigException("Unknown topic config name: " + k);
            }
        }
        Map<String, Object> parsed = TOPIC_DEF.parse(topicOverrides);
        Map<String, Object> values = new HashMap<>(brokerDefaults);
        for (String k : topicOverrides.keySet()) {
            values.put(k, parsed.get(k));
        }
        for (Key key : KEYS.values()) {
            values.putIfAbsent(key.name(), key.defaultValue());
        }
        String policy = String.join(",", cleanupPolicy(values));
        if (policy.isEmpty()) {
            throw new ConfigException(TopicConfig.CLEANUP_POLICY_CONFIG, policy, "must name delete and/or compact");
        }
        return new LogConfig(Collections.unmodifiableMap(values), Map.copyOf(topicOverrides));
    }

    /** A config with the hard defaults only, for tests and tools. */
    public static LogConfig defaults() {
        return effective(Map.of(), Map.of());
    }

    /** A copy with these overrides laid over this config's own (validated). */
    public LogConfig withOverrides(Map<String, Object> brokerDefaults, Map<String, String> newOverrides) {
        return effective(brokerDefaults, newOverrides);
    }

    @SuppressWarnings("unchecked")
    private static List<String> cleanupPolicy(Map<String, Object> values) {
        Object v = values.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        if (v instanceof List<?> list) {
            return (List<String>) list;
        }
        return List.of(String.valueOf(v).split(","));
    }

    public Map<String, String> overrides() {
        return overrides;
    }

    public Object value(String key) {
        return values.get(key);
    }

    /** The value as Kafka's DescribeConfigs prints it. */
    public String valueString(String key) {
        Object v = values.get(key);
        if (v instanceof List<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        return v == null ? null : String.valueOf(v);
    }

    public boolean compact() {
        return cleanupPolicy(values).stream().anyMatch(p -> p.trim().equalsIgnoreCase(TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    public boolean delete() {
        return cleanupPolicy(values).stream().anyMatch(p -> p.trim().equalsIgnoreCase(TopicConfig.CLEANUP_POLICY_DELETE));
    }

    public long retentionMs() { return (Long) values.get(TopicConfig.RETENTION_MS_CONFIG); }
    public long retentionBytes() { return (Long) values.get(TopicConfig.RETENTION_BYTES_CONFIG); }
    public int segmentBytes() { return (Integer) values.get(TopicConfig.SEGMENT_BYTES_CONFIG); }
    public long segmentMs() { return (Long) values.get(TopicConfig.SEGMENT_MS_CONFIG); }
    public int maxMessageBytes() { return (Integer) values.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG); }
    public int minInSyncReplicas() { return (Integer) values.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG); }
    public long deleteRetentionMs() { return (Long) values.get(TopicConfig.DELETE_RETENTION_MS_CONFIG); }
    public double minCleanableDirtyRatio() { return (Double) values.get(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG); }
    public long minCompactionLagMs() { return (Long) values.get(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG); }
    public long flushMessages() { return (Long) values.get(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG); }
    public long flushMs() { return (Long) values.get(TopicConfig.FLUSH_MS_CONFIG); }
    public int segmentIndexBytes() { return (Integer) values.get(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG); }
    public int indexIntervalBytes() { return (Integer) values.get(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG); }
    public long fileDeleteDelayMs() { return (Long) values.get(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG); }
    public long timestampBeforeMaxMs() { return (Long) values.get(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG); }
    public long timestampAfterMaxMs() { return (Long) values.get(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG); }

    public TimestampType timestampType() {
        String v = ((String) values.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG)).toLowerCase(Locale.ROOT);
        return v.equals("logappendtime") ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
    }
}
