package io.riffle.bench.tools;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Consume throughput without a consumer group: reads {@code --num-records} records from all
 * partitions of a topic with {@link KafkaConsumer#assign} and {@link KafkaConsumer#seekToBeginning}
 * (no {@code group.id}, no offset commits), so it runs against a broker that has no group
 * coordinator. Apart from that the consumer has default settings ({@code fetch.min.bytes},
 * {@code max.poll.records}, ...), as {@code ConsumerPerformance} has.
 *
 * <p>The clock runs from just before the first {@code poll} (so it includes the metadata and
 * ListOffsets round trips the first poll makes) to the return of the poll that delivered the
 * N-th record. Records and bytes (key + value) are counted up to exactly N. The result is one line
 * on stdout:
 * <pre>
 * RESULT assign-consumer-perf records=600000 megabytes=57.2205 elapsed.ms=1234.56 records.per.sec=486000.12 megabytes.per.sec=46.3489
 * </pre>
 * If no record arrives for {@code --timeout-ms} (default 30000), the line is printed with what was
 * consumed, an error goes to stderr and the exit code is 1.
 *
 * <p>Runs in a child JVM of the bench with kafka-clients on its classpath. Not thread-safe:
 * single-threaded, as {@code KafkaConsumer} requires.
 */
public final class AssignConsumerPerf {

    private static final String NAME = "assign-consumer-perf";
    private static final double MEGABYTE = 1024 * 1024;

    private AssignConsumerPerf() {
    }

    public static void main(String[] args) {
        ToolArguments arguments = new ToolArguments(NAME, args,
            Set.of("--bootstrap-server", "--topic", "--num-records", "--timeout-ms"));
        String bootstrap = arguments.required("--bootstrap-server");
        String topic = arguments.required("--topic");
        long records = arguments.number("--num-records", -1, 1);
        if (records < 0) {
            throw new IllegalArgumentException(NAME + ": --num-records is required");
        }
        long idleTimeoutMs = arguments.number("--timeout-ms", 30_000, 1);
        System.exit(consume(bootstrap, topic, records, idleTimeoutMs) ? 0 : 1);
    }

    private static boolean consume(String bootstrap, String topic, long wanted, long idleTimeoutMs) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, NAME);
        // Without group.id auto-commit is off anyway; saying so keeps the intent visible.
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            List<TopicPartition> partitions = partitionsOf(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);

            long consumed = 0;
            long bytes = 0;
            long start = System.nanoTime();
            long end = start;
            long lastProgress = start;
            while (consumed < wanted) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(100));
                long now = System.nanoTime();
                if (batch.isEmpty()) {
                    if (now - lastProgress > Duration.ofMillis(idleTimeoutMs).toNanos()) {
                        break;
                    }
                    continue;
                }
                lastProgress = now;
                for (ConsumerRecord<byte[], byte[]> record : batch) {
                    bytes += Math.max(record.serializedKeySize(), 0) + Math.max(record.serializedValueSize(), 0);
                    if (++consumed == wanted) {
                        break;
                    }
                }
                end = now;
            }
            printResult(consumed, bytes, end - start);
            if (consumed < wanted) {
                System.err.println("ERROR " + NAME + ": consumed " + consumed + " of " + wanted
                    + " records before " + idleTimeoutMs + " ms without a record");
                return false;
            }
            return true;
        }
    }

    private static List<TopicPartition> partitionsOf(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException(NAME + ": topic " + topic + " has no partitions (does it exist?)");
        }
        return infos.stream().map(info -> new TopicPartition(info.topic(), info.partition())).toList();
    }

    private static void printResult(long records, long bytes, long elapsedNanos) {
        double seconds = elapsedNanos / 1e9;
        double megabytes = bytes / MEGABYTE;
        System.out.println(String.format(Locale.ROOT,
            "RESULT %s records=%d megabytes=%.4f elapsed.ms=%.2f records.per.sec=%.2f megabytes.per.sec=%.4f",
            NAME, records, megabytes, elapsedNanos / 1e6,
            seconds > 0 ? records / seconds : 0, seconds > 0 ? megabytes / seconds : 0));
    }
}
