package io.riffle.shell.it;

import static io.riffle.shell.it.TransactionalClients.readCommitted;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once consume-transform-produce across SIGKILLs of the processing JVM. N numbered input
 * records are processed by {@link ExactlyOnceWorker} in a child JVM (read_committed consumer in
 * a group, transactional producer, sendOffsetsToTransaction), which is killed with kill -9 at
 * seeded random moments and restarted each time; in the second variant the Riffle node is
 * SIGKILLed at the same moment (so transactions, pending transactional offsets and markers are
 * cut off inside the broker too) and restarted. At the end a read_committed reader of the
 * output finds every input record exactly once: nothing lost (offsets and output commit
 * together) and nothing duplicated (a killed transaction's output is aborted with its offsets).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ExactlyOncePipelineIT {

    private static final String INPUT = "eos-input";
    private static final String OUTPUT = "eos-output";
    private static final String GROUP = "eos-pipeline";
    private static final int PARTITIONS = 2;
    private static final int RECORDS = 10_000;
    private static final int KILLS = 5;
    private static final AtomicInteger STARTS = new AtomicInteger();

    @TempDir
    Path dataDir;
    private RiffleProcess riffle;
    private Process worker;
    /** Transactions the current worker has reported committed. */
    private final AtomicInteger workerCommits = new AtomicInteger();

    @AfterEach
    void stopEverything() throws Exception {
        if (worker != null) {
            worker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (riffle != null) {
            riffle.close();
        }
    }

    @ParameterizedTest(name = "kill the node too: {0}")
    @ValueSource(booleans = {false, true})
    void everyInputRecordIsOutputExactlyOnceAcrossKills(boolean killNode) throws Exception {
        long seed = Long.getLong("riffle.it.seed", 0xE05L);
        System.out.println("ExactlyOncePipelineIT seed " + seed + " (rerun with -Driffle.it.seed=" + seed + ")");
        Random random = new Random(seed);
        riffle = RiffleProcess.start(dataDir, "--override", "group.initial.rebalance.delay.ms=0",
            "--override", "group.min.session.timeout.ms=1000");
        createTopicsAndInput(riffle.bootstrap());
        List<TopicPartition> outputPartitions = IntStream.range(0, PARTITIONS)
            .mapToObj(p -> new TopicPartition(OUTPUT, p)).toList();

        for (int round = 0; round < KILLS; round++) {
            startWorker(riffle.bootstrap());
            // Seeded kill point: after the worker's k-th commit, plus a few milliseconds, so the kill
            // usually lands inside the next transaction.
            int afterCommits = 1 + random.nextInt(40);
            long extraMs = random.nextInt(30);
            await("worker commit " + afterCommits).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(() -> !worker.isAlive() || workerCommits.get() >= afterCommits);
            // Fault timing, not synchronisation: the worker is killed wherever it happens to be.
            boolean exited = worker.waitFor(extraMs, TimeUnit.MILLISECONDS);
            if (exited) {
                fail("the worker exited on its own (status " + worker.exitValue() + ") in round " + round);
            }
            if (killNode) {
                riffle.kill9();
            }
            worker.destroyForcibly();
            assertTrue(worker.waitFor(30, TimeUnit.SECONDS), "the worker survived SIGKILL");
            if (killNode) {
                riffle.restart();
            }
            System.out.printf("round %d: %s killed %d ms after commit %d; %d output records committed so far%n",
                round, killNode ? "node and worker" : "worker", extraMs, afterCommits,
                countCommitted(riffle.bootstrap(), outputPartitions));
        }

        // The last incarnation runs to the end of the input.
        String bootstrap = riffle.bootstrap();
        startWorker(bootstrap);
        await("the pipeline catches up with the input").atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> !worker.isAlive() || countCommitted(bootstrap, outputPartitions) >= RECORDS);
        assertTrue(worker.isAlive(), "the worker exited on its own; see " + ItEnvironment.logDirectory());
        worker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

        List<Integer> numbers = new ArrayList<>();
        readCommitted(bootstrap, outputPartitions).values()
            .forEach(values -> values.forEach(v -> numbers.add(Integer.parseInt(v.substring("processed-".length())))));
        Map<Integer, Integer> copies = new TreeMap<>();
        numbers.forEach(n -> copies.merge(n, 1, Integer::sum));
        List<Integer> missing = IntStream.range(0, RECORDS).filter(n -> !copies.containsKey(n)).boxed().toList();
        List<Integer> duplicated = copies.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        assertEquals(List.of(), missing.subList(0, Math.min(20, missing.size())),
            missing.size() + " input records missing from the output (first 20)");
        assertEquals(List.of(), duplicated.subList(0, Math.min(20, duplicated.size())),
            duplicated.size() + " input records output more than once (first 20)");
        assertEquals(RECORDS, numbers.size());
        try (var uncommitted = TransactionalClients.consumer(bootstrap, IsolationLevel.READ_UNCOMMITTED)) {
            long written = uncommitted.endOffsets(outputPartitions, Duration.ofSeconds(30)).values().stream()
                .mapToLong(Long::longValue).sum();
            // For the report: records and markers of aborted (killed) transactions the reader skipped.
            System.out.printf("output log holds %d entries (records and markers) for %d committed records%n",
                written, RECORDS);
        }
        checkGroupCommittedTheWholeInput(bootstrap);
    }

    private void startWorker(String bootstrap) throws Exception {
        int start = STARTS.incrementAndGet();
        Path log = Files.createDirectories(ItEnvironment.logDirectory()).resolve("eos-worker-" + start + ".log");
        String classpath = ItEnvironment.riffleClasspath() + File.pathSeparator
            + ItEnvironment.distribution().resolve("test-classes");
        worker = new ProcessBuilder(ItEnvironment.JAVA.toString(), "-Xmx256m", "-cp", classpath,
            ExactlyOnceWorker.class.getName(), bootstrap, GROUP, "eos-worker", INPUT, OUTPUT)
            .redirectErrorStream(true).start();
        worker.getOutputStream().close();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Process process = worker;
        workerCommits.set(0);
        Thread pump = new Thread(() -> copyOutput(process, log, ready, workerCommits), "eos-worker-output-" + start);
        pump.setDaemon(true);
        pump.start();
        ready.get(60, TimeUnit.SECONDS);
    }

    /**
     * Runs on the pump thread: copies the worker's output to its log, completing {@code ready} at
     * "worker ready" and counting "committed" lines.
     */
    private static void copyOutput(Process process, Path file, CompletableFuture<Void> ready, AtomicInteger commits) {
        try (BufferedReader reader = new BufferedReader(
                 new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                writer.write(line);
                writer.write('\n');
                writer.flush();
                if (line.equals("worker ready")) {
                    ready.complete(null);
                } else if (line.startsWith("committed ")) {
                    commits.incrementAndGet();
                }
            }
            ready.completeExceptionally(new IOException("the worker exited before it was ready; see " + file));
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
    }

    private static long countCommitted(String bootstrap, List<TopicPartition> partitions) {
        return readCommitted(bootstrap, partitions).values().stream().mapToLong(List::size).sum();
    }

    private static void createTopicsAndInput(String bootstrap) throws Exception {
        try (Admin admin = TransactionalClients.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(INPUT, PARTITIONS, (short) 1),
                new NewTopic(OUTPUT, PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int n = 0; n < RECORDS; n++) {
                producer.send(new ProducerRecord<>(INPUT, Integer.toString(n), Integer.toString(n)));
            }
            producer.flush();
        }
    }

    /** The group's committed offsets (require_stable) stand at the end of every input partition. */
    private static void checkGroupCommittedTheWholeInput(String bootstrap) throws Exception {
        List<TopicPartition> inputs = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(INPUT, p)).toList();
        Map<TopicPartition, Long> ends;
        try (var consumer = TransactionalClients.consumer(bootstrap, IsolationLevel.READ_COMMITTED)) {
            ends = consumer.endOffsets(inputs, Duration.ofSeconds(30));
        }
        try (Admin admin = TransactionalClients.admin(bootstrap)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            for (TopicPartition tp : inputs) {
                assertEquals(ends.get(tp), committed.get(tp).offset(), tp + ": the group's committed offset");
            }
        }
    }
}
