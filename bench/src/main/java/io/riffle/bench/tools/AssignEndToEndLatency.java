package io.riffle.bench.tools;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * End-to-end latency without a consumer group, otherwise like Kafka's {@code EndToEndLatency}:
 * one record at a time is sent and acknowledged ({@code send().get()}, {@code linger.ms=0},
 * {@code --producer-acks}, default all), then a consumer assigned to the topic's single partition
 * polls until it has received that record; the time from just before the send to the poll that
 * returned it is one sample ({@link System#nanoTime}). As in Kafka's tool the consumer has
 * {@code fetch.max.wait.ms=0}, so no broker-side wait is added to a sample; unlike it, there is
 * no {@code group.id} and nothing is committed, so it runs against a broker without a group
 * coordinator.
 *
 * <p>The consumer is positioned at the end of the partition before the first send. The first
 * {@code --warmup-records} (default 500) samples are discarded (class loading, JIT, connection
 * set-up); then {@code --num-records} (default 5000) are measured and printed as one line with
 * 0.01 ms precision (percentiles by nearest rank):
 * <pre>
 * RESULT assign-e2e-latency records=5000 warmup=500 avg.ms=1.23 p50.ms=1.10 p99.ms=2.80 p99.9.ms=5.12 max.ms=9.87
 * </pre>
 * Every value is checked to be the one just sent. A record that does not arrive within
 * {@code --timeout-ms} (default 60000, as in Kafka's tool) ends the run with exit code 1.
 *
 * <p>Runs in a child JVM of the bench with kafka-clients on its classpath. Not thread-safe:
 * single-threaded (the producer's I/O thread is the client's own).
 */
public final class AssignEndToEndLatency {

    private static final String NAME = "assign-e2e-latency";
    private static final int SEQUENCE_BYTES = Long.BYTES;

    private AssignEndToEndLatency() {
    }

    public static void main(String[] args) throws InterruptedException {
        ToolArguments arguments = new ToolArguments(NAME, args, Set.of("--bootstrap-server", "--topic",
            "--num-records", "--warmup-records", "--record-size", "--producer-acks", "--timeout-ms"));
        String bootstrap = arguments.required("--bootstrap-server");
        String topic = arguments.required("--topic");
        int records = (int) arguments.number("--num-records", 5_000, 1);
        int warmup = (int) arguments.number("--warmup-records", 500, 0);
        int recordSize = (int) arguments.number("--record-size", 1024, SEQUENCE_BYTES);
        String acks = arguments.text("--producer-acks", "all");
        long timeoutMs = arguments.number("--timeout-ms", 60_000, 1);
        try {
            long[] samples = measure(bootstrap, topic, warmup, records, recordSize, acks, timeoutMs);
            printResult(samples, warmup);
        } catch (ExecutionException | TimeoutException | IllegalStateException e) {
            System.err.println("ERROR " + NAME + ": " + e);
            System.exit(1);
        }
        System.exit(0);
    }

    /** Returns the {@code records} measured round trips in nanoseconds, warm-up excluded. */
    private static long[] measure(String bootstrap, String topic, int warmup, int records, int recordSize,
                                  String acks, long timeoutMs)
        throws ExecutionException, TimeoutException, InterruptedException {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties(bootstrap));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(bootstrap, acks))) {
            TopicPartition partition = singlePartition(consumer, topic);
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition, Duration.ofMillis(timeoutMs));  // resolve the end offset now

            byte[] payload = new byte[recordSize];
            new Random(42).nextBytes(payload);
            long[] samples = new long[records];
            for (int i = 0; i < warmup + records; i++) {
                // The sequence number makes each value unique, so a stale record cannot pass as this one.
                byte[] value = payload.clone();
                long sequence = i;
                for (int b = 0; b < SEQUENCE_BYTES; b++) {
                    value[b] = (byte) (sequence >>> (8 * b));
                }
                long begin = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, partition.partition(), null, value))
                    .get(timeoutMs, TimeUnit.MILLISECONDS);
                awaitRecord(consumer, value, i, begin, timeoutMs);
                long elapsed = System.nanoTime() - begin;
                if (i >= warmup) {
                    samples[i - warmup] = elapsed;
                }
            }
            return samples;
        }
    }

    /** Polls until the record just sent arrives; anything else arriving is an error. */
    private static void awaitRecord(KafkaConsumer<byte[], byte[]> consumer, byte[] expected, int index,
                                    long begin, long timeoutMs) throws TimeoutException {
        long deadline = begin + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new TimeoutException("record " + index + " did not arrive within " + timeoutMs + " ms");
            }
            ConsumerRecords<byte[], byte[]> received = consumer.poll(Duration.ofNanos(remaining));
            if (received.isEmpty()) {
                continue;
            }
            if (received.count() != 1) {
                throw new IllegalStateException("expected record " + index + " alone, got " + received.count());
            }
            ConsumerRecord<byte[], byte[]> record = received.iterator().next();
            if (!Arrays.equals(record.value(), expected)) {
                throw new IllegalStateException("record " + index + " came back with a different value (offset "
                    + record.offset() + ")");
            }
            return;
        }
    }

    private static TopicPartition singlePartition(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.size() != 1) {
            throw new IllegalStateException("topic " + topic + " must have exactly one partition, has "
                + (infos == null ? 0 : infos.size()));
        }
        return new TopicPartition(topic, infos.get(0).partition());
    }

    private static Properties consumerProperties(String bootstrap) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, NAME + "-consumer");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // As Kafka's EndToEndLatency: the broker answers a fetch at once, adding no wait of its own.
        properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "0");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return properties;
    }

    private static Properties producerProperties(String bootstrap, String acks) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ProducerConfig.CLIENT_ID_CONFIG, NAME + "-producer");
        properties.put(ProducerConfig.ACKS_CONFIG, acks);
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return properties;
    }

    private static void printResult(long[] samples, int warmup) {
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        double averageNanos = Arrays.stream(sorted).average().orElse(0);
        System.out.println(String.format(Locale.ROOT,
            "RESULT %s records=%d warmup=%d avg.ms=%.2f p50.ms=%.2f p99.ms=%.2f p99.9.ms=%.2f max.ms=%.2f",
            NAME, sorted.length, warmup, averageNanos / 1e6, percentile(sorted, 0.50) / 1e6,
            percentile(sorted, 0.99) / 1e6, percentile(sorted, 0.999) / 1e6, sorted[sorted.length - 1] / 1e6));
    }

    /** Nearest rank: the smallest sample with at least {@code fraction} of the samples at or below it. */
    private static double percentile(long[] sorted, double fraction) {
        int rank = (int) Math.ceil(fraction * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }
}
