package io.riffle.processor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import io.riffle.log.BrokerFixture;
import io.riffle.processor.state.InvalidStateStoreException;
import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.ReadOnlyKeyValueStore;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Interactive queries against running instances on a real broker: a table from a topic, read
 * through {@code RiffleStreams.store} across tasks, routed with {@code queryMetadataForKey} to the
 * instance (its {@code application.server}) that owns each key, through a second instance joining
 * and leaving, a tombstone, and the states in which queries are refused.
 */
class InteractiveQueriesIntegrationTest {
    private static final String TOPIC = "iq-users";
    private static final String STORE = "users-store";
    private static final int KEYS = 100;
    private BrokerFixture broker;
    private Path dirA;
    private Path dirB;

    @BeforeEach
    void setUp() throws Exception {
        broker = new BrokerFixture(Map.of());
        broker.admin().createTopics(List.of(new NewTopic(TOPIC, Optional.of(4), Optional.empty()))).all().get();
        dirA = WordCountHarness.tempDir();
        dirB = WordCountHarness.tempDir();
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
        WordCountHarness.delete(dirA);
        WordCountHarness.delete(dirB);
    }

    private static Topology topology() {
        StreamsBuilder b = new StreamsBuilder();
        b.table(TOPIC, Consumed.with(Serdes.String(), Serdes.String()), Materialized.as(STORE));
        return b.build();
    }

    private RiffleStreams instance(Path dir, String server) {
        Properties p = WordCountHarness.props(broker, "iq-app", dir, StreamsConfig.AT_LEAST_ONCE);
        p.put(StreamsConfig.APPLICATION_SERVER, server);
        return new RiffleStreams(topology(), p);
    }

    private void produce(String key, String value) throws Exception {
        KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of());
        producer.send(new ProducerRecord<>(TOPIC, key.getBytes(StandardCharsets.UTF_8),
            value == null ? null : value.getBytes(StandardCharsets.UTF_8))).get();
    }

    private static Map<String, String> all(RiffleStreams streams) {
        ReadOnlyKeyValueStore<String, String> store =
            streams.store(StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.keyValueStore()));
        Map<String, String> result = new HashMap<>();
        try (KeyValueIterator<String, String> it = store.all()) {
            it.forEachRemaining(kv -> result.put(kv.key(), kv.value()));
        }
        return result;
    }

    private static Map<String, String> allOrEmpty(RiffleStreams streams) {
        try {
            return all(streams);
        } catch (InvalidStateStoreException e) {
            return Map.of();
        }
    }

    @Test
    void queriesSpanLocalTasksAndRouteKeysToTheirOwner() throws Exception {
        for (int i = 0; i < KEYS; i++) {
            produce("k" + i, "v" + i);
        }
        try (RiffleStreams a = instance(dirA, "host-a:1001"); RiffleStreams b = instance(dirB, "host-b:1002")) {
            var params = StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.<String, String>keyValueStore());
            InvalidStateStoreException notRunning = assertThrows(InvalidStateStoreException.class, () -> a.store(params));
            assertTrue(notRunning.getMessage().contains("CREATED"), notRunning.getMessage());
            assertThrows(IllegalArgumentException.class,
                () -> a.store(StoreQueryParameters.fromNameAndType("nope", QueryableStoreTypes.keyValueStore())));
            a.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> allOrEmpty(a).size() == KEYS);
            ReadOnlyKeyValueStore<String, String> storeA = a.store(params);
            assertEquals("v7", storeA.get("k7"));
            assertNull(storeA.get("missing"));
            assertTrue(storeA.approximateNumEntries() > 0);
            try (KeyValueIterator<String, String> range = storeA.range("k1", "k12")) {
                int n = 0;
                while (range.hasNext()) {
                    String k = range.next().key();
                    assertTrue(k.compareTo("k1") >= 0 && k.compareTo("k12") <= 0, k);
                    n++;
                }
                assertEquals(4, n); // k1, k10, k11, k12
            }
            assertEquals(new HostInfo("host-a", 1001),
                a.queryMetadataForKey(STORE, "k1", Serdes.String().serializer()).activeHost());

            b.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                Map<String, String> onA = allOrEmpty(a);
                Map<String, String> onB = allOrEmpty(b);
                return !onA.isEmpty() && !onB.isEmpty() && onA.size() + onB.size() == KEYS;
            });
            Map<String, String> onA = all(a);
            for (int i = 0; i < KEYS; i++) {
                String key = "k" + i;
                KeyQueryMetadata fromA = a.queryMetadataForKey(STORE, key, Serdes.String().serializer());
                KeyQueryMetadata fromB = b.queryMetadataForKey(STORE, key, Serdes.String().serializer());
                assertEquals(fromA, fromB, "both instances agree on the owner of " + key);
                RiffleStreams owner = fromA.activeHost().port() == 1001 ? a : b;
                RiffleStreams other = owner == a ? b : a;
                assertEquals(owner == a, onA.containsKey(key), key + " lives on " + fromA.activeHost());
                var ownerStore = owner.store(params);
                assertEquals("v" + i, ownerStore.get(key));
                assertNull(other.store(params).get(key));
            }

            produce("k3", null); // tombstone
            KeyQueryMetadata owner3 = a.queryMetadataForKey(STORE, "k3", Serdes.String().serializer());
            RiffleStreams o3 = owner3.activeHost().port() == 1001 ? a : b;
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try {
                    return o3.store(params).get("k3") == null;
                } catch (InvalidStateStoreException e) {
                    return false;
                }
            });

            b.close();
            await().atMost(Duration.ofSeconds(60)).until(() -> allOrEmpty(a).size() == KEYS - 1);
            assertEquals(new HostInfo("host-a", 1001),
                a.queryMetadataForKey(STORE, "k50", Serdes.String().serializer()).activeHost());
            a.close();
            assertThrows(InvalidStateStoreException.class, () -> a.store(params));
            assertEquals(KeyQueryMetadata.NOT_AVAILABLE, a.queryMetadataForKey(STORE, "k1", Serdes.String().serializer()));
        }
    }
}
