package io.riffle.log.config;

import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broker settings use Kafka's names and defaults; a bad value stops start-up naming its key. */
class BrokerConfigTest {

    @Test
    void defaultsMatchKafka() {
        BrokerConfig config = BrokerConfig.from(Map.of());
        assertEquals(1, config.numPartitions());
        assertEquals(9092, config.listener().port());
        assertEquals(104_857_600, config.socketRequestMaxBytes());
        LogConfig log = LogConfig.effective(config.logDefaults(), Map.of());
        assertEquals(604_800_000L, log.retentionMs());
        assertEquals(-1L, log.retentionBytes());
        assertEquals(1_073_741_824, log.segmentBytes());
        assertEquals(1_048_588, log.maxMessageBytes());
        assertTrue(log.delete());
    }

    @Test
    void kafkaServerPropertiesCarryOver() {
        BrokerConfig config = BrokerConfig.from(Map.of(
                "log.dirs", "/tmp/x", "listeners", "PLAINTEXT://127.0.0.1:0", "num.partitions", "3",
                "log.retention.hours", "1", "log.segment.bytes", "2048", "process.roles", "broker,controller",
                "controller.quorum.voters", "1@localhost:9093"));
        assertEquals(3, config.numPartitions());
        assertEquals(0, config.listener().port());
        LogConfig log = LogConfig.effective(config.logDefaults(), Map.of());
        assertEquals(3_600_000L, log.retentionMs());
        assertEquals(2048, log.segmentBytes());
        assertTrue(config.brokerSetsLogKey("segment.bytes"));
    }

    @Test
    void retentionMsWinsOverMinutesAndHours() {
        BrokerConfig config = BrokerConfig.from(Map.of("log.retention.ms", "5000", "log.retention.minutes", "7",
                "log.retention.hours", "9"));
        assertEquals(5000L, LogConfig.effective(config.logDefaults(), Map.of()).retentionMs());
        BrokerConfig minutes = BrokerConfig.from(Map.of("log.retention.minutes", "7", "log.retention.hours", "9"));
        assertEquals(420_000L, LogConfig.effective(minutes.logDefaults(), Map.of()).retentionMs());
    }

    @Test
    void anInvalidValueNamesItsKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.from(Map.of("num.partitions", "many")));
        assertTrue(e.getMessage().contains("num.partitions"), e.getMessage());
        ConfigException range = assertThrows(ConfigException.class, () -> BrokerConfig.from(Map.of("log.segment.bytes", "10")));
        assertTrue(range.getMessage().contains("log.segment.bytes"), range.getMessage());
        ConfigException listener = assertThrows(ConfigException.class, () -> BrokerConfig.from(Map.of("listeners", "9092")));
        assertTrue(listener.getMessage().contains("listeners"), listener.getMessage());
        ConfigException policy = assertThrows(ConfigException.class,
                () -> BrokerConfig.from(Map.of("log.cleanup.policy", "shred")));
        assertTrue(policy.getMessage().contains("log.cleanup.policy"), policy.getMessage());
    }

    @Test
    void unknownKeysAreAcceptedWithAWarning() {
        BrokerConfig config = BrokerConfig.from(Map.of("no.such.key", "1"));
        assertEquals(1, config.nodeId());
    }

    @Test
    void topicOverridesAreValidatedByName() {
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> LogConfig.effective(Map.of(), Map.of("retention.forever", "yes")));
        assertTrue(unknown.getMessage().contains("retention.forever"));
        ConfigException bad = assertThrows(ConfigException.class,
                () -> LogConfig.effective(Map.of(), Map.of("message.timestamp.type", "Yesterday")));
        assertTrue(bad.getMessage().contains("message.timestamp.type"));
        assertTrue(LogConfig.effective(Map.of(), Map.of("cleanup.policy", "compact,delete")).compact());
    }
}
