package io.riffle.shell.admin;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code riffle consume TOPIC}: prints records' values (and keys with {@code --print-key}), one
 * per line. Without {@code --group} the consumer is assigned every partition (or just
 * {@code --partition}) and commits nothing; with {@code --group} it subscribes as a member of
 * that consumer group and commits, synchronously, up to the records it printed, so the group's
 * lag afterwards says what was really seen. Stops after {@code --max-messages}, after
 * {@code --timeout-ms} without a record, or on Ctrl-C (which still commits).
 *
 * <p>The consumer is owned by the command's thread; the shutdown hook only calls its
 * thread-safe {@code wakeup()} and waits for the command to finish.
 */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Print records of a topic, one per line.")
public final class ConsumeCommand implements Callable<Integer> {
    private static final long METADATA_TIMEOUT_MS = BrokerConnection.DEFAULT_TIMEOUT_MS;
    private static final Duration MAX_POLL_WAIT = Duration.ofMillis(500);

    @Spec
    CommandSpec spec;
    @Parameters(paramLabel = "TOPIC")
    String topic;
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", defaultValue = BrokerConnection.DEFAULT_BOOTSTRAP,
            description = "Kafka-protocol address of a broker (Riffle or Apache Kafka). Default ${DEFAULT-VALUE}.")
    String bootstrap;
    @Option(names = "--from-beginning", description = "Start at the oldest record (default: only new records; "
            + "with --group, only where the group has no committed offset).")
    boolean fromBeginning;
    @Option(names = "--max-messages", paramLabel = "N", description = "Exit after N records.")
    Long maxMessages;
    @Option(names = "--partition", paramLabel = "P", description = "Read only partition P.")
    Integer partition;
    @Option(names = "--offset", paramLabel = "O", description = "Start at offset O (needs --partition).")
    Long offset;
    @Option(names = "--group", paramLabel = "GROUP", description = "Consume as a member of GROUP and commit what was printed.")
    String group;
    @Option(names = "--print-key", description = "Print the key before the value.")
    boolean printKey;
    @Option(names = "--key-separator", paramLabel = "SEP", defaultValue = "\t",
            description = "Between key and value with --print-key. Default: a tab.")
    String keySeparator;
    @Option(names = "--timeout-ms", paramLabel = "MS",
            description = "Exit when no record has arrived for MS milliseconds. Default: wait until Ctrl-C or --max-messages. "
                + "Finding the topic is always bounded by " + METADATA_TIMEOUT_MS + " ms.")
    Long timeoutMs;

    /** Per partition, the first record fetched but not printed (only past --max-messages). */
    private final Map<TopicPartition, Long> notPrinted = new HashMap<>();
    private long consumed;
    /** When the last record (or, in a group, the last assignment) arrived: the idle timeout's start. */
    private long lastProgress;

    @Override
    public Integer call() {
        BrokerConnection connection = BrokerConnection.of(bootstrap, METADATA_TIMEOUT_MS);
        return Failures.run(spec, connection, () -> {
            validate();
            int partitions;
            try (Admin admin = connection.admin()) {
                TopicDescription description = TopicCommand.describeTopic(admin, connection, topic);
                partitions = description.partitions().size();
            }
            if (partition != null && partition >= partitions) {
                throw new CommandFailure("topic '" + topic + "' has no partition " + partition
                    + " (it has " + partitions + ": 0.." + (partitions - 1) + ")");
            }
            PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties(connection))) {
                start(consumer, partitions);
                consume(consumer, out);
            } finally {
                out.flush();
            }
            System.err.println("Consumed " + consumed + " record(s).");
            return 0;
        });
    }

    private void validate() {
        if (offset != null && partition == null) {
            throw CommandFailure.usage("--offset needs --partition");
        }
        if (offset != null && offset < 0) {
            throw CommandFailure.usage("--offset must be 0 or more, not " + offset);
        }
        if (group != null && partition != null) {
            throw CommandFailure.usage("--group subscribes to the whole topic; it cannot be combined with --partition");
        }
        if (partition != null && partition < 0) {
            throw CommandFailure.usage("--partition must be 0 or more, not " + partition);
        }
        if (maxMessages != null && maxMessages <= 0) {
            throw CommandFailure.usage("--max-messages must be at least 1, not " + maxMessages);
        }
        if (timeoutMs != null && timeoutMs <= 0) {
            throw CommandFailure.usage("--timeout-ms must be positive, not " + timeoutMs);
        }
    }

    private void start(KafkaConsumer<String, String> consumer, int partitions) {
        if (group != null) {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
                    // Commit what was printed while we still own the partitions.
                    commit(consumer);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                    lastProgress = System.nanoTime();
                }
            });
            return;
        }
        List<TopicPartition> assigned = partition != null
            ? List.of(new TopicPartition(topic, partition))
            : java.util.stream.IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
        consumer.assign(assigned);
        if (offset != null) {
            consumer.seek(assigned.get(0), offset);
        } else if (fromBeginning) {
            consumer.seekToBeginning(assigned);
        } else {
            consumer.seekToEnd(assigned);
        }
    }

    private void consume(KafkaConsumer<String, String> consumer, PrintStream out) {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            consumer.wakeup();
            try {
                finished.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "riffle-consume-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        lastProgress = System.nanoTime();
        try {
            while (maxMessages == null || consumed < maxMessages) {
                if (timeoutMs != null && System.nanoTime() - lastProgress > TimeUnit.MILLISECONDS.toNanos(timeoutMs)) {
                    break;
                }
                ConsumerRecords<String, String> records = poll(consumer);
                for (ConsumerRecord<String, String> record : records) {
                    if (maxMessages != null && consumed >= maxMessages) {
                        // Fetched but not printed: the group's committed offset must not pass it.
                        notPrinted.merge(new TopicPartition(record.topic(), record.partition()), record.offset(), Math::min);
                        continue;
                    }
                    print(out, record);
                    consumed++;
                }
                if (!records.isEmpty()) {
                    lastProgress = System.nanoTime();
                    out.flush();
                    commit(consumer);
                }
            }
            commit(consumer);
        } catch (WakeupException e) {
            // Ctrl-C: commit what was printed, then stop.
            commit(consumer);
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Already in shutdown: the hook is running and has just been released.
            }
        }
    }

    private ConsumerRecords<String, String> poll(KafkaConsumer<String, String> consumer) {
        try {
            return consumer.poll(MAX_POLL_WAIT);
        } catch (OffsetOutOfRangeException e) {
            throw new CommandFailure("offset " + offset + " is out of range for partition " + partition
                + " of topic '" + topic + "' (" + e.getMessage() + ")");
        }
    }

    private void print(PrintStream out, ConsumerRecord<String, String> record) {
        if (printKey) {
            out.print(record.key());
            out.print(keySeparator);
        }
        out.println(record.value());
    }

    /**
     * Commits, for every assigned partition, the offset after the last record printed: the
     * consumer's position, or the first fetched record that was not printed (past
     * {@code --max-messages}). Partitions without records get their position committed too, so
     * the group's lag covers the whole topic, as with Kafka's console consumer.
     */
    private void commit(KafkaConsumer<String, String> consumer) {
        if (group == null) {
            return;
        }
        Duration timeout = Duration.ofMillis(METADATA_TIMEOUT_MS);
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            Long next = notPrinted.get(tp);
            offsets.put(tp, new OffsetAndMetadata(next != null ? next : consumer.position(tp, timeout)));
        }
        if (!offsets.isEmpty()) {
            consumer.commitSync(offsets, timeout);
        }
    }

    private Properties consumerProperties(BrokerConnection connection) {
        Properties properties = connection.clientProperties();
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        properties.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(METADATA_TIMEOUT_MS));
        if (group != null) {
            properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        } else {
            // An explicit --offset beyond the log is reported, not silently moved.
            properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, offset != null ? "none" : "earliest");
        }
        return properties;
    }
}
