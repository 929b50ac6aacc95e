package io.riffle.shell.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability across a process crash: producers (acks=all, idempotent by default) write to a
 * Riffle node, the node is killed with SIGKILL while they are still sending, restarted on the
 * same data directory, and every record the broker acknowledged must be there, at the offset it
 * acknowledged, with the same value; each partition's offsets must run 0, 1, 2, ... with no gap
 * and no duplicate. A kill -9 leaves the page cache intact, so this holds without fsync, as in
 * Kafka.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CrashRecoveryIT {

    private static final String TOPIC = "crash";
    private static final int PARTITIONS = 3;
    private static final int PRODUCERS = 3;
    /** Acknowledged records to wait for before the kill: enough for several batches per partition. */
    private static final int ACKS_BEFORE_KILL = 3_000;
    private static final int IN_FLIGHT_PER_PRODUCER = 500;

    /** One acknowledged record, as the producer's callback saw it. */
    private record Ack(int partition, long offset, String value) {
    }

    @TempDir
    Path dataDir;
    private RiffleProcess riffle;
    private ExecutorService producerThreads;

    @AfterEach
    void stopEverything() throws Exception {
        if (producerThreads != null) {
            producerThreads.shutdownNow();
            producerThreads.awaitTermination(30, TimeUnit.SECONDS);
        }
        if (riffle != null) {
            riffle.close();
        }
    }

    @Test
    void everyAcknowledgedRecordSurvivesKill9() throws Exception {
        riffle = RiffleProcess.start(dataDir);
        createTopic(riffle.bootstrap());

        Queue<Ack> acknowledged = new ConcurrentLinkedQueue<>();
        Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        AtomicBoolean crashing = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        producerThreads = Executors.newFixedThreadPool(PRODUCERS);
        String bootstrapBeforeCrash = riffle.bootstrap();
        List<Future<?>> producers = IntStream.range(0, PRODUCERS)
            .mapToObj(id -> producerThreads.submit(() -> produceUntilStopped(id, bootstrapBeforeCrash, crashing, stop,
                acknowledged, unexpected)))
            .<Future<?>>map(f -> f)
            .toList();

        await().atMost(Duration.ofSeconds(120)).until(() -> acknowledged.size() >= ACKS_BEFORE_KILL
            || !unexpected.isEmpty());
        assertTrue(unexpected.isEmpty(), () -> "producing failed before the crash: " + unexpected);

        // Kill while the producers are still sending, then let them wind down.
        crashing.set(true);
        riffle.kill9();
        stop.set(true);
        for (Future<?> producer : producers) {
            producer.get(60, TimeUnit.SECONDS);
        }
        // Snapshot after the producers are closed: no callback can add to it any more.
        List<Ack> acks = new ArrayList<>(acknowledged);

        riffle.restart();
        Map<Integer, List<ConsumerRecord<String, String>>> log = readEveryPartitionToTheEnd(riffle.bootstrap());

        // For the report: how much was at stake (failsafe keeps stdout in target/failsafe-reports).
        System.out.printf("%d records acknowledged before kill -9, %d in the log after restart%n",
            acks.size(), log.values().stream().mapToInt(List::size).sum());
        checkOffsetsContiguousFromZero(log);
        checkEveryAcknowledgedRecordIsAtItsOffset(acks, log);
        checkNoValueWrittenTwice(log);
    }

    /**
     * Runs on a producer thread: sends keyed records with unique values until told to stop, and
     * records each acknowledgement. Failures once the crash has begun only mean "not
     * acknowledged"; failures before it are collected in {@code unexpected}. At most
     * {@link #IN_FLIGHT_PER_PRODUCER} sends are outstanding, so a slow broker slows the loop
     * instead of filling the producer's buffer (which would fail sends with a timeout).
     */
    private static void produceUntilStopped(int id, String bootstrap, AtomicBoolean crashing, AtomicBoolean stop,
                                            Queue<Ack> acknowledged, Queue<Throwable> unexpected) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        // Bounded waits, so that after the kill every pending send fails and the thread ends.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        Semaphore inFlight = new Semaphore(IN_FLIGHT_PER_PRODUCER);
        KafkaProducer<String, String> producer = new KafkaProducer<>(config);
        try {
            for (long sequence = 0; !stop.get(); sequence++) {
                if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    sequence--;
                    continue; // re-check stop
                }
                String value = "producer-" + id + "-record-" + sequence;
                producer.send(new ProducerRecord<>(TOPIC, "key-" + (sequence % 64), value), (metadata, error) -> {
                    inFlight.release();
                    if (error == null) {
                        acknowledged.add(new Ack(metadata.partition(), metadata.offset(), value));
                    } else if (!crashing.get()) {
                        unexpected.add(error);
                    }
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // send() itself may throw (e.g. a metadata timeout) once the broker is gone.
            if (!crashing.get()) {
                unexpected.add(e);
            }
        } finally {
            // Pending sends fail within delivery.timeout.ms once the broker is gone.
            producer.close(Duration.ofSeconds(30));
        }
    }

    private static void createTopic(String bootstrap) throws Exception {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(config)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
    }

    /** Reads each partition from offset 0 up to its end offset, without a consumer group. */
    private static Map<Integer, List<ConsumerRecord<String, String>>> readEveryPartitionToTheEnd(String bootstrap) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<Integer, List<ConsumerRecord<String, String>>> log = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                .mapToObj(p -> new TopicPartition(TOPIC, p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            partitions.forEach(p -> log.put(p.partition(), new ArrayList<>()));
            // Same thread: the consumer is single-threaded; poll() itself waits for data.
            await().atMost(Duration.ofSeconds(120)).pollInSameThread().pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10)).until(() -> {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        log.get(record.partition()).add(record);
                    }
                    return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
                });
        }
        return log;
    }

    private static void checkOffsetsContiguousFromZero(Map<Integer, List<ConsumerRecord<String, String>>> log) {
        log.forEach((partition, records) -> {
            for (int i = 0; i < records.size(); i++) {
                if (records.get(i).offset() != i) {
                    fail("partition " + partition + ": record #" + i + " has offset " + records.get(i).offset()
                        + "; offsets must run 0, 1, 2, ... without gaps");
                }
            }
        });
    }

    private static void checkEveryAcknowledgedRecordIsAtItsOffset(
        List<Ack> acks, Map<Integer, List<ConsumerRecord<String, String>>> log) {
        assertFalse(acks.isEmpty(), "no record was acknowledged before the kill");
        List<String> lost = new ArrayList<>();
        for (Ack ack : acks) {
            List<ConsumerRecord<String, String>> records = log.get(ack.partition());
            if (ack.offset() >= records.size() || !records.get((int) ack.offset()).value().equals(ack.value())) {
                lost.add(ack.toString());
            }
        }
        assertEquals(List.of(), lost.subList(0, Math.min(lost.size(), 20)),
            lost.size() + " of " + acks.size() + " acknowledged records are missing or changed (first 20 shown)");
    }

    /** Idempotence: a retried batch must not be appended twice. */
    private static void checkNoValueWrittenTwice(Map<Integer, List<ConsumerRecord<String, String>>> log) {
        Map<String, Long> seen = new HashMap<>();
        log.values().forEach(records -> records.forEach(record -> {
            Long earlier = seen.put(record.value(), record.offset());
            if (earlier != null) {
                fail("value " + record.value() + " appears twice, at offsets " + earlier + " and " + record.offset()
                    + " (partition " + record.partition() + ")");
            }
        }));
    }
}
