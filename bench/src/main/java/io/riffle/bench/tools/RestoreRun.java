package io.riffle.bench.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What the two restore applications of the processor bench share, so both are measured alike:
 * the arguments, filling the store's changelog ({@code <application-id>-store-changelog}, created
 * by a first start of the application) directly with N distinct keys × a value of V bytes
 * (partition {@code i % P}, so every task restores its share), deleting the state directory, and
 * timing the next start until the application is RUNNING and has restored every record.
 * Single-threaded (the main thread); the applications' counters are atomics.
 */
final class RestoreRun {
    static final String STORE = "store";
    static final Set<String> OPTIONS = Set.of("--bootstrap-server", "--input", "--application-id", "--state-dir",
        "--records", "--value-bytes", "--partitions", "--timeout-seconds");

    final String bootstrap;
    final String input;
    final String applicationId;
    final Path stateDir;
    final long records;
    final int valueBytes;
    final int partitions;
    final long timeoutMs;

    RestoreRun(String tool, String[] args) {
        ToolArguments a = new ToolArguments(tool, args, OPTIONS);
        bootstrap = a.required("--bootstrap-server");
        input = a.required("--input");
        applicationId = a.required("--application-id");
        stateDir = Path.of(a.required("--state-dir"));
        records = a.number("--records", 1_000_000, 1);
        valueBytes = (int) a.number("--value-bytes", 1024, 1);
        partitions = (int) a.number("--partitions", 6, 1);
        timeoutMs = a.number("--timeout-seconds", 600, 1) * 1000;
    }

    String changelog() {
        return applicationId + "-" + STORE + "-changelog";
    }

    /** Writes the records to the changelog (acks=1, batched; not timed) and returns seconds taken. */
    double fillChangelog() {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        long start = System.nanoTime();
        byte[] value = new byte[valueBytes];
        new Random(42).nextBytes(value);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < records; i++) {
                byte[] key = String.format(Locale.ROOT, "key-%010d", i).getBytes();
                producer.send(new ProducerRecord<>(changelog(), (int) (i % partitions), key, value.clone()));
            }
            producer.flush();
        }
        return (System.nanoTime() - start) / 1e9;
    }

    void deleteStateDir() throws IOException {
        if (Files.exists(stateDir)) {
            try (var walk = Files.walk(stateDir)) {
                for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
        Files.createDirectories(stateDir);
    }

    /** Polls (a child process's own clock, not thread synchronisation) until done; returns seconds since {@code startNanos}. */
    double await(String what, long startNanos, BooleanSupplier done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(what + " not reached within the timeout");
            }
            Thread.sleep(5);
        }
        return (System.nanoTime() - startNanos) / 1e9;
    }

    void report(String tool, double fillSeconds, double seconds, long restored) {
        double megabytes = records * (valueBytes + 14.0) / 1e6;
        System.out.println(String.format(Locale.ROOT,
            "RESULT %s records=%d megabytes=%.0f fill.seconds=%.1f seconds=%.3f restored=%d records.per.sec=%.0f mb.per.sec=%.1f",
            tool, records, megabytes, fillSeconds, seconds, restored, restored / seconds, megabytes / seconds));
    }
}
