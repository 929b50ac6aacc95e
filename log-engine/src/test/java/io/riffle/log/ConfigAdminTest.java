package io.riffle.log;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import io.riffle.log.config.LogConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Topic and broker configuration through the official AdminClient (describeConfigs,
 * incrementalAlterConfigs) and the legacy AlterConfigs request, as {@code kafka-configs.sh}
 * and applications use them: what a config is and where it comes from, changing it, and
 * the errors that tell a user what was wrong.
 */
class ConfigAdminTest {
    /** The broker's config file sets log.segment.bytes, so topics inherit it as STATIC_BROKER_CONFIG. */
    private static final String BROKER_SEGMENT_BYTES = "2097152";
    private static BrokerFixture fixture;
    private Admin admin;

    @BeforeAll
    static void startBroker() throws Exception {
        fixture = new BrokerFixture(Map.of("log.segment.bytes", BROKER_SEGMENT_BYTES));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        fixture.close();
    }

    @BeforeEach
    void connect() {
        admin = fixture.admin();
    }

    private void createTopic(String name, Map<String, String> configs) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(configs))).all().get();
    }

    private static ConfigResource topic(String name) {
        return new ConfigResource(ConfigResource.Type.TOPIC, name);
    }

    private Config describe(ConfigResource resource, boolean synonymsAndDocs) throws Exception {
        DescribeConfigsOptions options = new DescribeConfigsOptions()
                .includeSynonyms(synonymsAndDocs).includeDocumentation(synonymsAndDocs);
        return admin.describeConfigs(List.of(resource), options).all().get().get(resource);
    }

    private void alter(ConfigResource resource, AlterConfigOp... ops) throws Exception {
        admin.incrementalAlterConfigs(Map.of(resource, List.of(ops))).all().get();
    }

    private static AlterConfigOp op(String key, String value, OpType type) {
        return new AlterConfigOp(new ConfigEntry(key, value), type);
    }

    private static Throwable failure(ThrowingRunnable call) {
        ExecutionException e = assertThrows(ExecutionException.class, call::run);
        return e.getCause();
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static List<String> synonyms(ConfigEntry entry) {
        return entry.synonyms().stream().map(s -> s.source() + ":" + s.name() + "=" + s.value()).toList();
    }

    @Test
    void describeTopicReportsEveryKeyWithValueSourceSynonymsTypeAndDocumentation() throws Exception {
        createTopic("described", Map.of("retention.ms", "3600000"));
        Config config = describe(topic("described"), true);

        Set<String> names = config.entries().stream().map(ConfigEntry::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(LogConfig.keys().keySet()), names);

        ConfigEntry retention = config.get("retention.ms");
        assertEquals("3600000", retention.value());
        assertEquals(ConfigSource.DYNAMIC_TOPIC_CONFIG, retention.source());
        assertEquals(List.of("DYNAMIC_TOPIC_CONFIG:retention.ms=3600000"), synonyms(retention));
        assertEquals(ConfigEntry.ConfigType.LONG, retention.type());

        ConfigEntry segmentBytes = config.get("segment.bytes");
        assertEquals(BROKER_SEGMENT_BYTES, segmentBytes.value());
        assertEquals(ConfigSource.STATIC_BROKER_CONFIG, segmentBytes.source());
        assertEquals(List.of("STATIC_BROKER_CONFIG:log.segment.bytes=" + BROKER_SEGMENT_BYTES,
                "DEFAULT_CONFIG:log.segment.bytes=1073741824"), synonyms(segmentBytes));

        ConfigEntry cleanup = config.get("cleanup.policy");
        assertEquals("delete", cleanup.value());
        assertEquals(ConfigSource.DEFAULT_CONFIG, cleanup.source());
        assertEquals(List.of("DEFAULT_CONFIG:log.cleanup.policy=delete"), synonyms(cleanup));
        assertEquals(ConfigEntry.ConfigType.LIST, cleanup.type());

        for (ConfigEntry e : config.entries()) {
            assertTrue(!e.isReadOnly() && !e.isSensitive(), e.name());
            assertNotNull(e.documentation(), e.name());
            assertNotNull(e.value(), e.name());
        }
    }

    @Test
    void describeWithoutSynonymsOrDocumentationLeavesThemOut() throws Exception {
        createTopic("plain", Map.of());
        ConfigEntry segmentBytes = describe(topic("plain"), false).get("segment.bytes");
        assertEquals(ConfigSource.STATIC_BROKER_CONFIG, segmentBytes.source());
        assertTrue(segmentBytes.synonyms().isEmpty());
        assertNull(segmentBytes.documentation());
    }

    @Test
    void describeUnknownOrInvalidTopicFails() {
        assertInstanceOf(UnknownTopicOrPartitionException.class, failure(() -> describe(topic("no-such-topic"), false)));
        assertInstanceOf(InvalidTopicException.class, failure(() -> describe(topic("bad name!"), false)));
    }

    @Test
    void describeBrokerShowsItsStaticConfigReadOnly() throws Exception {
        Config config = describe(new ConfigResource(ConfigResource.Type.BROKER, "1"), true);
        ConfigEntry segmentBytes = config.get("log.segment.bytes");
        assertEquals(BROKER_SEGMENT_BYTES, segmentBytes.value());
        assertEquals(ConfigSource.STATIC_BROKER_CONFIG, segmentBytes.source());
        assertTrue(segmentBytes.isReadOnly());
        assertEquals(List.of("STATIC_BROKER_CONFIG:log.segment.bytes=" + BROKER_SEGMENT_BYTES,
                "DEFAULT_CONFIG:log.segment.bytes=1073741824"), synonyms(segmentBytes));

        ConfigEntry partitions = config.get("num.partitions");
        assertEquals("1", partitions.value());
        assertEquals(ConfigSource.DEFAULT_CONFIG, partitions.source());
        assertEquals(ConfigEntry.ConfigType.INT, partitions.type());
        assertNotNull(partitions.documentation());

        // log.retention.ms is unset: Kafka lists its synonyms down to the hours default
        assertEquals(List.of("DEFAULT_CONFIG:log.retention.hours=168"), synonyms(config.get("log.retention.hours")));
        assertNull(config.get("log.retention.ms").value());
    }

    @Test
    void describeBrokerDefaultIsEmptyAndAnotherBrokerIdIsRejected() throws Exception {
        // As Kafka: "" names the cluster-wide dynamic defaults, of which a Riffle node has none.
        assertTrue(describe(new ConfigResource(ConfigResource.Type.BROKER, ""), false).entries().isEmpty());
        // The AdminClient routes a broker resource to that broker, so ask this one about node 7 directly.
        DescribeConfigsRequestData data = new DescribeConfigsRequestData().setResources(List.of(
                new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType(ConfigResource.Type.BROKER.id())
                        .setResourceName("7")));
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            DescribeConfigsResponse response = wire.send(new DescribeConfigsRequest.Builder(data));
            DescribeConfigsResponseData.DescribeConfigsResult result = response.data().results().get(0);
            assertEquals(Errors.INVALID_REQUEST.code(), result.errorCode());
            assertTrue(result.errorMessage().contains("Unexpected broker id"), result.errorMessage());
        }
    }

    @Test
    void describeRequestFiltersKeysAndAnswersUnsupportedTypesWithAnError() throws Exception {
        createTopic("filtered", Map.of());
        DescribeConfigsRequestData data = new DescribeConfigsRequestData().setResources(List.of(
                new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType(ConfigResource.Type.TOPIC.id())
                        .setResourceName("filtered").setConfigurationKeys(List.of("retention.ms", "cleanup.policy")),
                new DescribeConfigsRequestData.DescribeConfigsResource()
                        .setResourceType(ConfigResource.Type.BROKER_LOGGER.id()).setResourceName("1"),
                new DescribeConfigsRequestData.DescribeConfigsResource()
                        .setResourceType(ConfigResource.Type.GROUP.id()).setResourceName("some-group")));
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            for (short version = 1; version <= 4; version++) {
                DescribeConfigsResponse response = wire.send(new DescribeConfigsRequest.Builder(data), version);
                List<DescribeConfigsResponseData.DescribeConfigsResult> results = response.data().results();
                assertEquals(3, results.size());
                assertEquals(Errors.NONE.code(), results.get(0).errorCode());
                assertEquals(Set.of("retention.ms", "cleanup.policy"),
                        results.get(0).configs().stream().map(c -> c.name()).collect(Collectors.toSet()));
                assertEquals(Errors.INVALID_REQUEST.code(), results.get(1).errorCode());
                assertEquals(Errors.INVALID_REQUEST.code(), results.get(2).errorCode());
            }
        }
    }

    @Test
    void setAndDeleteChangeWhatTheTopicAccepts() throws Exception {
        createTopic("limited", Map.of());
        alter(topic("limited"), op("max.message.bytes", "1024", OpType.SET));
        ConfigEntry max = describe(topic("limited"), false).get("max.message.bytes");
        assertEquals("1024", max.value());
        assertEquals(ConfigSource.DYNAMIC_TOPIC_CONFIG, max.source());

        KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of(ProducerConfig.RETRIES_CONFIG, 0));
        byte[] big = new byte[4096];
        ExecutionException tooLarge = assertThrows(ExecutionException.class,
                () -> producer.send(new ProducerRecord<>("limited", big)).get());
        assertInstanceOf(RecordTooLargeException.class, tooLarge.getCause());

        alter(topic("limited"), op("max.message.bytes", null, OpType.DELETE));
        max = describe(topic("limited"), false).get("max.message.bytes");
        assertEquals("1048588", max.value());
        assertEquals(ConfigSource.DEFAULT_CONFIG, max.source());
        producer.send(new ProducerRecord<>("limited", big)).get();
    }

    @Test
    void appendAndSubtractEditListValuedKeysOnly() throws Exception {
        createTopic("lists", Map.of());
        alter(topic("lists"), op("cleanup.policy", "compact", OpType.APPEND));
        assertEquals("delete,compact", describe(topic("lists"), false).get("cleanup.policy").value());
        alter(topic("lists"), op("cleanup.policy", "delete", OpType.SUBTRACT));
        assertEquals("compact", describe(topic("lists"), false).get("cleanup.policy").value());

        Throwable error = failure(() -> alter(topic("lists"), op("retention.ms", "1", OpType.APPEND)));
        assertInstanceOf(InvalidConfigurationException.class, error);
        assertTrue(error.getMessage().contains("retention.ms"), error.getMessage());
    }

    @Test
    void validateOnlyChecksButChangesNothing() throws Exception {
        createTopic("dry-run", Map.of());
        AlterConfigsOptions validateOnly = new AlterConfigsOptions().validateOnly(true);
        admin.incrementalAlterConfigs(Map.of(topic("dry-run"), List.of(op("retention.ms", "1000", OpType.SET))),
                validateOnly).all().get();
        ConfigEntry retention = describe(topic("dry-run"), false).get("retention.ms");
        assertEquals("604800000", retention.value());
        assertEquals(ConfigSource.DEFAULT_CONFIG, retention.source());

        Throwable error = failure(() -> admin.incrementalAlterConfigs(
                Map.of(topic("dry-run"), List.of(op("retention.ms", "soon", OpType.SET))), validateOnly).all().get());
        assertInstanceOf(InvalidConfigurationException.class, error);
    }

    @Test
    void invalidOrUnknownKeysAreRejectedByNameAndNothingIsApplied() throws Exception {
        createTopic("strict", Map.of());
        Throwable invalid = failure(() -> alter(topic("strict"),
                op("retention.ms", "100", OpType.SET), op("segment.bytes", "12", OpType.SET)));
        assertInstanceOf(InvalidConfigurationException.class, invalid);
        assertTrue(invalid.getMessage().contains("segment.bytes"), invalid.getMessage());
        assertEquals(ConfigSource.DEFAULT_CONFIG, describe(topic("strict"), false).get("retention.ms").source());

        Throwable unknown = failure(() -> alter(topic("strict"), op("no.such.key", "1", OpType.SET)));
        assertInstanceOf(InvalidConfigurationException.class, unknown);
        assertTrue(unknown.getMessage().contains("no.such.key"), unknown.getMessage());
    }

    @Test
    void alteringAnUnknownTopicFails() {
        Throwable error = failure(() -> alter(topic("missing"), op("retention.ms", "1000", OpType.SET)));
        assertInstanceOf(UnknownTopicOrPartitionException.class, error);
    }

    @Test
    void brokerConfigsCannotBeChangedAtRuntime() {
        Throwable error = failure(() -> alter(new ConfigResource(ConfigResource.Type.BROKER, "1"),
                op("log.retention.ms", "1000", OpType.SET)));
        assertInstanceOf(InvalidRequestException.class, error);
        assertTrue(error.getMessage().contains("log.retention.ms"), error.getMessage());
    }

    @Test
    void legacyAlterConfigsReplacesTheWholeOverrideSet() throws Exception {
        createTopic("replaced", Map.of("retention.ms", "3600000", "segment.ms", "60000"));
        Map<ConfigResource, AlterConfigsRequest.Config> configs = Map.of(topic("replaced"), new AlterConfigsRequest.Config(
                List.of(new AlterConfigsRequest.ConfigEntry("max.message.bytes", "5000"))));
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            AlterConfigsResponse response = wire.send(new AlterConfigsRequest.Builder(configs, false));
            assertEquals(Errors.NONE.code(), response.data().responses().get(0).errorCode());

            Config config = describe(topic("replaced"), false);
            assertEquals(ConfigSource.DEFAULT_CONFIG, config.get("retention.ms").source());
            assertEquals(ConfigSource.DEFAULT_CONFIG, config.get("segment.ms").source());
            assertEquals("5000", config.get("max.message.bytes").value());

            Map<ConfigResource, AlterConfigsRequest.Config> bad = Map.of(topic("replaced"), new AlterConfigsRequest.Config(
                    List.of(new AlterConfigsRequest.ConfigEntry("min.insync.replicas", "0"))));
            AlterConfigsResponse rejected = wire.send(new AlterConfigsRequest.Builder(bad, false));
            assertEquals(Errors.INVALID_CONFIG.code(), rejected.data().responses().get(0).errorCode());
            assertTrue(rejected.data().responses().get(0).errorMessage().contains("min.insync.replicas"));
            assertEquals("5000", describe(topic("replaced"), false).get("max.message.bytes").value());
        }
    }

    @Test
    void aResourceNamedTwiceInOneRequestFailsBothTimes() throws Exception {
        createTopic("twice", Map.of());
        var data = new IncrementalAlterConfigsRequestData();
        for (String value : List.of("1000", "2000")) {
            var resource = new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                    .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("twice");
            resource.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig()
                    .setName("retention.ms").setValue(value).setConfigOperation(OpType.SET.id()));
            data.resources().add(resource);
        }
        try (KafkaWire wire = KafkaWire.connect(fixture.bootstrap())) {
            IncrementalAlterConfigsResponse response =
                    wire.send(new IncrementalAlterConfigsRequest.Builder(data));
            Collection<Short> codes = new ArrayList<>();
            response.data().responses().forEach(r -> codes.add(r.errorCode()));
            assertEquals(List.of(Errors.INVALID_REQUEST.code(), Errors.INVALID_REQUEST.code()), codes);
        }
        assertEquals(ConfigSource.DEFAULT_CONFIG, describe(topic("twice"), false).get("retention.ms").source());
    }

    @Test
    void overridesSurviveARestart() throws Exception {
        createTopic("durable", Map.of());
        alter(topic("durable"), op("retention.ms", "7200000", OpType.SET));
        fixture.restart();
        admin = fixture.admin();
        ConfigEntry retention = describe(topic("durable"), true).get("retention.ms");
        assertEquals("7200000", retention.value());
        assertEquals(ConfigSource.DYNAMIC_TOPIC_CONFIG, retention.source());
        assertEquals(List.of("DYNAMIC_TOPIC_CONFIG:retention.ms=7200000"), synonyms(retention));
    }
}
