package io.riffle.log;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transactions with the official client: committed records are visible to read_committed
 * consumers, aborted ones only to read_uncommitted; an open transaction holds read_committed
 * consumers at the last stable offset; a second producer with the same transactional id fences
 * the first; a transaction past its timeout is aborted.
 */
class TransactionsTest {
    private BrokerFixture fixture;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        fixture = new BrokerFixture(Map.of("transaction.state.log.num.partitions", "3", "offsets.topic.num.partitions", "3",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "200", "group.initial.rebalance.delay.ms", "0"));
        admin = fixture.admin();
        admin.createTopics(List.of(new NewTopic("tx", 2, (short) 1))).all().get();
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private KafkaProducer<byte[], byte[]> transactional(String id, Map<String, Object> extra) {
        Map<String, Object> settings = new java.util.HashMap<>(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id));
        settings.putAll(extra);
        KafkaProducer<byte[], byte[]> p = fixture.producer(settings);
        p.initTransactions();
        return p;
    }

    private List<String> readAll(IsolationLevel isolation, int atLeast) {
        KafkaConsumer<byte[], byte[]> consumer = fixture.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                isolation.toString()));
        List<TopicPartition> tps = List.of(new TopicPartition("tx", 0), new TopicPartition("tx", 1));
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
        List<String> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline && (out.size() < atLeast || atLeast == 0)) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                out.add(new String(r.value(), StandardCharsets.UTF_8));
            }
            if (atLeast == 0 && consumer.position(tps.get(0)) >= endOffset(tps.get(0), isolation)
                    && consumer.position(tps.get(1)) >= endOffset(tps.get(1), isolation)) {
                break;
            }
        }
        consumer.close();
        return out;
    }

    private long endOffset(TopicPartition tp, IsolationLevel isolation) throws RuntimeException {
        try {
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest()),
                    new org.apache.kafka.clients.admin.ListOffsetsOptions(isolation)).all().get().get(tp).offset();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static ProducerRecord<byte[], byte[]> record(int partition, String value) {
        return new ProducerRecord<>("tx", partition, null, value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void committedRecordsAreVisibleAndAbortedOnesAreNotToReadCommitted() throws Exception {
        KafkaProducer<byte[], byte[]> p = transactional("t1", Map.of());
        p.beginTransaction();
        p.send(record(0, "c1"));
        p.send(record(1, "c2"));
        p.commitTransaction();
        p.beginTransaction();
        p.send(record(0, "a1"));
        p.send(record(1, "a2"));
        p.flush();
        p.abortTransaction();
        p.beginTransaction();
        p.send(record(0, "c3"));
        p.commitTransaction();

        List<String> committed = readAll(IsolationLevel.READ_COMMITTED, 0);
        assertEquals(List.of("c1", "c3", "c2"), sortByPartition(committed));
        List<String> all = readAll(IsolationLevel.READ_UNCOMMITTED, 5);
        assertTrue(all.containsAll(List.of("c1", "c2", "c3", "a1", "a2")), all.toString());
    }

    private static List<String> sortByPartition(List<String> values) {
        List<String> p0 = values.stream().filter(v -> v.endsWith("1") || v.endsWith("3")).toList();
        List<String> p1 = values.stream().filter(v -> v.endsWith("2")).toList();
        List<String> out = new ArrayList<>(p0);
        out.addAll(p1);
        return out;
    }

    @Test
    void anOpenTransactionHoldsReadCommittedAtTheLastStableOffset() throws Exception {
        KafkaProducer<byte[], byte[]> plain = fixture.producer(Map.of());
        plain.send(record(0, "before")).get();
        KafkaProducer<byte[], byte[]> p = transactional("t2", Map.of());
        p.beginTransaction();
        p.send(record(0, "open")).get();
        plain.send(record(0, "after")).get();
        TopicPartition tp = new TopicPartition("tx", 0);
        assertEquals(1, endOffset(tp, IsolationLevel.READ_COMMITTED), "LSO stops at the open transaction");
        assertEquals(3, endOffset(tp, IsolationLevel.READ_UNCOMMITTED));
        assertEquals(List.of("before"), readAll(IsolationLevel.READ_COMMITTED, 0));
        p.commitTransaction();
        assertEquals(4, endOffset(tp, IsolationLevel.READ_COMMITTED), "marker included");
        assertEquals(List.of("before", "open", "after"), readAll(IsolationLevel.READ_COMMITTED, 3));
    }

    @Test
    void aSecondProducerWithTheSameIdFencesTheFirstAndAbortsItsTransaction() throws Exception {
        KafkaProducer<byte[], byte[]> first = transactional("t3", Map.of());
        first.beginTransaction();
        first.send(record(0, "zombie")).get();
        KafkaProducer<byte[], byte[]> second = transactional("t3", Map.of());
        second.beginTransaction();
        second.send(record(1, "fresh"));
        second.commitTransaction();
        // as with Kafka: the zombie's batch is refused (its epoch is stale), and the coordinator fences it
        java.util.concurrent.ExecutionException late = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> first.send(record(0, "late")).get());
        assertTrue(late.getCause() instanceof org.apache.kafka.common.errors.InvalidProducerEpochException
                || late.getCause() instanceof ProducerFencedException, late.toString());
        assertThrows(org.apache.kafka.common.KafkaException.class, first::commitTransaction);
        assertThrows(ProducerFencedException.class, first::abortTransaction);
        assertEquals(List.of("fresh"), readAll(IsolationLevel.READ_COMMITTED, 0));
    }

    @Test
    void aTransactionPastItsTimeoutIsAbortedAndReadCommittedMovesOn() throws Exception {
        KafkaProducer<byte[], byte[]> p = transactional("t4", Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1000));
        p.beginTransaction();
        p.send(record(0, "stuck")).get();
        TopicPartition tp = new TopicPartition("tx", 0);
        assertEquals(0, endOffset(tp, IsolationLevel.READ_COMMITTED));
        await().atMost(Duration.ofSeconds(20)).until(() -> endOffset(tp, IsolationLevel.READ_COMMITTED) == 2);
        assertEquals(List.of(), readAll(IsolationLevel.READ_COMMITTED, 0));
        TransactionDescription d = admin.describeTransactions(List.of("t4")).all().get().get("t4");
        assertEquals("CompleteAbort", d.state().toString().replace("COMPLETE_ABORT", "CompleteAbort"));
    }

    @Test
    void consumeTransformProduceCommitsOutputsAndInputOffsetsAtomically() throws Exception {
        admin.createTopics(List.of(new NewTopic("in", 1, (short) 1), new NewTopic("out", 1, (short) 1))).all().get();
        KafkaProducer<byte[], byte[]> source = fixture.producer(Map.of());
        for (int i = 0; i < 20; i++) {
            source.send(new ProducerRecord<>("in", ("n" + i).getBytes(StandardCharsets.UTF_8))).get();
        }
        KafkaConsumer<byte[], byte[]> consumer = fixture.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "eos",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
        consumer.subscribe(List.of("in"));
        KafkaProducer<byte[], byte[]> p = transactional("eos-1", Map.of());
        int copied = 0;
        boolean abortedOnce = false;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (copied < 20 && System.nanoTime() < deadline) {
            var records = consumer.poll(Duration.ofMillis(200));
            if (records.isEmpty()) {
                continue;
            }
            p.beginTransaction();
            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> next = new java.util.HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                p.send(new ProducerRecord<>("out", r.value()));
                next.put(new TopicPartition(r.topic(), r.partition()),
                        new org.apache.kafka.clients.consumer.OffsetAndMetadata(r.offset() + 1));
            }
            p.sendOffsetsToTransaction(next, consumer.groupMetadata());
            if (!abortedOnce) {
                // the first attempt fails: its outputs and its offsets vanish together
                p.abortTransaction();
                abortedOnce = true;
                consumer.seek(new TopicPartition("in", 0), 0);
                continue;
            }
            p.commitTransaction();
            copied += records.count();
        }
        assertEquals(20, copied);
        KafkaConsumer<byte[], byte[]> check = fixture.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
        check.assign(List.of(new TopicPartition("out", 0)));
        check.seekToBeginning(List.of(new TopicPartition("out", 0)));
        List<String> out = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < until && out.size() < 20) {
            check.poll(Duration.ofMillis(200)).forEach(r -> out.add(new String(r.value(), StandardCharsets.UTF_8)));
        }
        assertEquals(20, out.size(), "every input exactly once: " + out);
        assertEquals(20, new java.util.HashSet<>(out).size());
        assertEquals(20, admin.listConsumerGroupOffsets("eos").partitionsToOffsetAndMetadata().get()
                .get(new TopicPartition("in", 0)).offset());
    }

    @Test
    void adminListsAndDescribesTransactionsAndProducers() throws Exception {
        KafkaProducer<byte[], byte[]> p = transactional("t5", Map.of());
        p.beginTransaction();
        p.send(record(1, "x")).get();
        TransactionDescription d = admin.describeTransactions(List.of("t5")).all().get().get("t5");
        assertEquals("ONGOING", d.state().name());
        assertTrue(d.topicPartitions().contains(new TopicPartition("tx", 1)));
        assertTrue(admin.listTransactions().all().get().stream().map(TransactionListing::transactionalId)
                .anyMatch("t5"::equals));
        var producers = admin.describeProducers(List.of(new TopicPartition("tx", 1))).all().get()
                .get(new TopicPartition("tx", 1)).activeProducers();
        assertEquals(1, producers.size());
        assertTrue(producers.get(0).currentTransactionStartOffset().isPresent());
        p.commitTransaction();
    }
}
