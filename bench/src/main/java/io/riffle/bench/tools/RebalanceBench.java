package io.riffle.bench.tools;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Consumer-group rebalance time: N consumers (threads in this JVM, each polling its own
 * KafkaConsumer, classic group protocol, client defaults) join one group on a topic with P
 * partitions; once the group is stable one consumer closes (sending LeaveGroup), and the bench
 * measures the time from the start of that close until every remaining consumer's
 * {@link ConsumerRebalanceListener#onPartitionsAssigned} has delivered its share of a new,
 * complete assignment (one generation, all P partitions, no overlap). Each round uses a fresh
 * group. Prints one line per round and a summary line {@code RESULT rebalance rounds=R
 * median.ms=.. max.ms=.. min.ms=..} that {@code io.riffle.bench.PerfTools} parses.
 *
 * <p>What this measures, on Kafka's defaults: the survivors learn of the rebalance from a
 * heartbeat response ({@code heartbeat.interval.ms} 3 s) or their next poll's join check, then
 * rejoin and sync; the broker's part is the join/sync round trip and completing the generation.
 * {@code group.initial.rebalance.delay.ms} is whatever the broker is configured with (it only
 * delays the first rebalance of a new group, which is not measured).
 *
 * <p>Runs in a child JVM on kafka-lib's classpath (kafka-clients is a provided dependency of the
 * bench). Threads: one per consumer, which alone touches its consumer; the main thread observes
 * their published assignments through {@link Member}'s atomic snapshot.
 */
public final class RebalanceBench {

    private static final Duration POLL = Duration.ofMillis(50);
    private static final long STEP_TIMEOUT_MS = 120_000;

    /** What one consumer last received: its partitions, the generation, and when (nanoTime). */
    record Assignment(Set<TopicPartition> partitions, int generation, long atNanos) {
    }

    private static final String NAME = "rebalance";

    public static void main(String[] args) throws Exception {
        ToolArguments arguments = new ToolArguments(NAME, args,
            Set.of("--bootstrap-server", "--topic", "--consumers", "--partitions", "--rounds"));
        String bootstrap = arguments.required("--bootstrap-server");
        String topic = arguments.text("--topic", "rebalance-bench");
        int consumers = (int) arguments.number("--consumers", 10, 2);
        int partitions = (int) arguments.number("--partitions", 30, consumers);
        int rounds = (int) arguments.number("--rounds", 5, 1);
        ensureTopic(bootstrap, topic, partitions);
        List<Double> times = new ArrayList<>();
        long runId = System.currentTimeMillis();
        for (int round = 1; round <= rounds; round++) {
            double ms = round(bootstrap, topic, partitions, consumers, "rebalance-bench-" + runId + "-" + round);
            times.add(ms);
            System.out.printf(Locale.ROOT, "round %d: %d consumers -> %d after one left: %.1f ms%n",
                round, consumers, consumers - 1, ms);
        }
        List<Double> sorted = times.stream().sorted().toList();
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
            : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        System.out.printf(Locale.ROOT, "RESULT %s rounds=%d median.ms=%.1f max.ms=%.1f min.ms=%.1f%n",
            NAME, rounds, median, sorted.get(sorted.size() - 1), sorted.get(0));
    }

    private static void ensureTopic(String bootstrap, String topic, int partitions) throws Exception {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(properties)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all()
                .get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /** One round in a fresh group; returns the rebalance time in milliseconds. */
    private static double round(String bootstrap, String topic, int partitions, int count, String group)
        throws Exception {
        List<Member> members = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Member member = new Member(bootstrap, topic, group, "member-" + i);
                members.add(member);
                member.start();
            }
            int stableGeneration = awaitComplete(members, partitions, Integer.MIN_VALUE, "the group to form");
            Member leaving = members.get(0);
            long leftAt = System.nanoTime();
            leaving.stopAndAwait();
            List<Member> remaining = members.subList(1, members.size());
            awaitComplete(remaining, partitions, stableGeneration, "the remaining members' new assignment");
            long last = remaining.stream().mapToLong(m -> m.assignment.get().atNanos()).max().orElseThrow();
            return (last - leftAt) / 1e6;
        } finally {
            for (Member member : members) {
                member.stopAndAwait();
            }
        }
    }

    /**
     * Waits until every member holds an assignment of one generation newer than {@code after}
     * that together covers all partitions exactly once; returns that generation.
     */
    private static int awaitComplete(List<Member> members, int partitions, int after, String what)
        throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STEP_TIMEOUT_MS);
        while (System.nanoTime() < deadline) {
            for (Member member : members) {
                if (member.failure.get() != null) {
                    throw new IllegalStateException(member.clientId + " failed: " + member.failure.get(), member.failure.get());
                }
            }
            Integer generation = completeGeneration(members, partitions, after);
            if (generation != null) {
                return generation;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("timed out after " + STEP_TIMEOUT_MS + " ms waiting for " + what);
    }

    private static Integer completeGeneration(List<Member> members, int partitions, int after) {
        Integer generation = null;
        Set<TopicPartition> union = new HashSet<>();
        int total = 0;
        for (Member member : members) {
            Assignment a = member.assignment.get();
            if (a == null || a.generation() <= after || (generation != null && a.generation() != generation)) {
                return null;
            }
            generation = a.generation();
            union.addAll(a.partitions());
            total += a.partitions().size();
        }
        return union.size() == partitions && total == partitions ? generation : null;
    }

    /** One consumer on its own thread, polling until stopped; publishes each assignment it gets. */
    private static final class Member implements ConsumerRebalanceListener {
        final String clientId;
        final AtomicReference<Assignment> assignment = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final String topic;
        private final Thread thread;
        private final CountDownLatch closed = new CountDownLatch(1);
        private volatile boolean stopping;

        Member(String bootstrap, String topic, String group, String clientId) {
            Properties properties = new Properties();
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            properties.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
            properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            this.clientId = clientId;
            this.topic = topic;
            this.consumer = new KafkaConsumer<>(properties);
            this.thread = new Thread(this::run, "rebalance-bench-" + clientId);
        }

        void start() {
            thread.start();
        }

        /** Closes the consumer (on its own thread, so LeaveGroup is sent) and waits until it is closed. */
        void stopAndAwait() throws InterruptedException {
            if (closed.getCount() == 0) {
                return;
            }
            stopping = true;
            consumer.wakeup();
            if (!closed.await(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(clientId + " did not close within " + STEP_TIMEOUT_MS + " ms");
            }
        }

        private void run() {
            try {
                consumer.subscribe(List.of(topic), this);
                while (!stopping) {
                    consumer.poll(POLL);
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                // stopAndAwait
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                try {
                    consumer.close();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
                closed.countDown();
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            long now = System.nanoTime();
            int generation = consumer.groupMetadata().generationId();
            assignment.set(new Assignment(Set.copyOf(partitions), generation, now));
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Eager protocol: everything is revoked before the rejoin; the new assignment follows.
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
        }
    }

    private RebalanceBench() {
    }

}
