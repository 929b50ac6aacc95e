package io.riffle.log;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;

/**
 * A group member polled on its own thread, as an application runs it, consuming numbered
 * records. A commit that fails because of a rebalance is tolerated (its records may be
 * redelivered to the new owner), as applications must; the shared {@link Ledger} counts any
 * record processed again after some member committed it — the violation group tests look for.
 */
final class GroupWorker implements AutoCloseable {

    /** Numbers committed by any member of a test, and how often one was processed after its commit. */
    static final class Ledger {
        private final Set<Integer> committed = ConcurrentHashMap.newKeySet();
        private final AtomicInteger processedAfterCommit = new AtomicInteger();

        int processedAfterCommit() {
            return processedAfterCommit.get();
        }
    }

    final KafkaConsumer<byte[], byte[]> consumer;
    final Set<TopicPartition> assignment = ConcurrentHashMap.newKeySet();
    final List<Integer> processed = new CopyOnWriteArrayList<>();
    final AtomicInteger rebalances = new AtomicInteger();
    final AtomicBoolean running = new AtomicBoolean(true);
    final ExecutorService thread = Executors.newSingleThreadExecutor();
    final Future<?> loop;
    volatile boolean closeOnExit = true;

    GroupWorker(Ledger ledger, KafkaConsumer<byte[], byte[]> consumer, String topic, boolean commit) {
        this.consumer = consumer;
        loop = thread.submit(() -> {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    assignment.removeAll(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    assignment.addAll(partitions);
                    rebalances.incrementAndGet();
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    assignment.removeAll(partitions);
                }
            });
            List<Integer> uncommitted = new ArrayList<>();
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    int n = Integer.parseInt(new String(r.value(), StandardCharsets.UTF_8));
                    if (ledger.committed.contains(n)) {
                        ledger.processedAfterCommit.incrementAndGet();
                    }
                    processed.add(n);
                    uncommitted.add(n);
                }
                if (commit && !uncommitted.isEmpty()) {
                    try {
                        consumer.commitSync();
                        ledger.committed.addAll(uncommitted);
                    } catch (RebalanceInProgressException | CommitFailedException e) {
                        // the partitions moved: their records will be redelivered to the new owner
                    }
                    uncommitted.clear();
                }
            }
            if (closeOnExit) {
                consumer.close();
            }
            return null;
        });
    }

    /** Checks run once the group has formed, before records flow. */
    @FunctionalInterface
    interface FormedCheck {
        void check() throws Exception;
    }

    /**
     * The scenario both group protocols must pass: three members share the six partitions of
     * {@code numbers} two each; one leaves and the other two take over three each; 6000 numbered
     * records are all consumed and none is processed again after its commit.
     */
    static void threeMembersShareSixPartitionsThenOneLeaves(BrokerFixture fixture, Ledger ledger,
            java.util.function.Supplier<KafkaConsumer<byte[], byte[]>> member, FormedCheck whenFormed) throws Exception {
        List<GroupWorker> workers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            workers.add(new GroupWorker(ledger, member.get(), "numbers", true));
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                workers.stream().allMatch(w -> w.assignment.size() == 2));
        whenFormed.check();
        produceNumbers(fixture, "numbers", 0, 3000);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                workers.stream().mapToInt(w -> w.processed.size()).sum() >= 3000);

        workers.get(0).close();
        List<GroupWorker> rest = workers.subList(1, 3);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                rest.stream().mapToInt(w -> w.assignment.size()).sum() == 6
                        && rest.stream().allMatch(w -> w.assignment.size() == 3));
        produceNumbers(fixture, "numbers", 3000, 6000);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                workers.stream().mapToInt(w -> w.processed.size()).sum() >= 6000);
        for (GroupWorker w : rest) {
            w.close();
        }
        Set<Integer> seen = new java.util.HashSet<>();
        for (GroupWorker w : workers) {
            seen.addAll(w.processed);
        }
        org.junit.jupiter.api.Assertions.assertEquals(6000, seen.size(), "every number consumed");
        org.junit.jupiter.api.Assertions.assertEquals(0, ledger.processedAfterCommit(),
                "nothing processed again after its commit");
    }

    /** Produces the numbers from (inclusive) to (exclusive) as keys and values, and waits for them. */
    static void produceNumbers(BrokerFixture fixture, String topic, int from, int to) {
        org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer = fixture.producer(java.util.Map.of());
        for (int i = from; i < to; i++) {
            byte[] n = Integer.toString(i).getBytes(StandardCharsets.UTF_8);
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, n, n));
        }
        producer.flush();
    }

    @Override
    public void close() throws Exception {
        running.set(false);
        loop.get(30, TimeUnit.SECONDS);
        thread.shutdownNow();
    }
}
