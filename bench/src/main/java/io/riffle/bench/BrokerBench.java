package io.riffle.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Whole-process benchmark: a Riffle node and an Apache Kafka 4.3.1 broker, each in its own child
 * JVM, measured by Kafka's own tools (ProducerPerformance, ConsumerPerformance, EndToEndLatency)
 * and the bench's group-free variants of the last two ({@code io.riffle.bench.tools}) in further
 * child JVMs, and reported as medians with the ratio Riffle/Kafka.
 *
 * <p>Method: both brokers run for the whole bench; each case runs on one broker and then on the
 * other, the order swapping every repetition, so slow drift of the machine (page cache, CPU
 * frequency, a neighbour) affects both columns alike. Every repetition writes to fresh topics.
 * A case that fails on a broker is recorded as "n/a (error: ...)" and the bench goes on; every
 * child JVM is bounded by a timeout, so the bench cannot hang.
 *
 * <p>Not thread-safe: everything runs on the main thread; {@link Cleanup}'s shutdown hook is
 * the only other thread that touches the child processes.
 */
public final class BrokerBench {

    /** Heap as Kafka's start script gives its broker; the same for Riffle, to compare like with like. */
    private static final List<String> BROKER_JVM_OPTIONS = List.of(
        "-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
        "-XX:InitiatingHeapOccupancyPercent=35", "-Djava.awt.headless=true");
    /** The transactional produce case: one producer, committing a transaction every 100 ms. */
    private static final String TRANSACTIONAL_ID = "bench-txn";
    private static final long TRANSACTION_DURATION_MS = 100;

    private final BenchOptions options;
    private final BenchPaths paths;
    private final Path logDir;
    private final PerfTools tools;
    private final Map<String, Broker> brokers = new LinkedHashMap<>();
    private final Map<String, String> brokerStartErrors = new HashMap<>();
    private final Map<String, Set<String>> createdTopics = new HashMap<>();
    private final Map<String, Long> recordsInTopic = new HashMap<>();

    private BrokerBench(BenchOptions options) throws IOException {
        this.options = options;
        this.paths = new BenchPaths(options.root());
        this.logDir = paths.benchTarget().resolve("broker-bench-logs");
        deleteOldLogs(logDir);
        Files.createDirectories(logDir);
        this.tools = new PerfTools(paths, Cleanup.temporaryDirectory("riffle-bench-tools-"),
            options.toolTimeoutSeconds());
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("broker-bench: " + e.getMessage());
            System.err.println(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(BenchOptions.USAGE);
            return;
        }
        if (options.selectedCases().isEmpty()) {
            System.err.println("broker-bench: --cases " + String.join(",", options.caseFilter())
                + " matches no case");
            System.err.println(BenchOptions.USAGE);
            System.exit(2);
        }
        new BrokerBench(options).run();
    }

    private void run() throws IOException, InterruptedException {
        Instant start = Instant.now();
        List<BenchCase> cases = options.selectedCases();
        List<String> brokerNames = options.brokerNames();
        ResultTable table = new ResultTable(brokerNames);
        log("cases " + cases.stream().map(BenchCase::id).toList() + ", " + options.records()
            + " records per produce case, " + options.reps() + " repetition(s); logs in " + logDir);
        try {
            for (String name : brokerNames) {
                startBroker(name);
            }
            for (int rep = 1; rep <= options.reps(); rep++) {
                // Swap the order every repetition so neither broker always runs first.
                List<String> order = new ArrayList<>(brokerNames);
                if (rep % 2 == 0) {
                    java.util.Collections.reverse(order);
                }
                for (BenchCase benchCase : cases) {
                    for (String broker : order) {
                        Outcome outcome = runCaseSafely(broker, benchCase, rep);
                        table.add(benchCase, broker, outcome);
                        log(String.format(Locale.ROOT, "rep %d %-30s %-6s %s", rep, benchCase.id(), broker,
                            outcome.ok() ? outcome.values() : "n/a (error: " + outcome.error() + ")"));
                    }
                }
            }
        } finally {
            for (Broker broker : brokers.values()) {
                broker.close();
            }
        }
        String report = report(table, Duration.between(start, Instant.now()));
        System.out.println();
        System.out.println(report);
        Path output = options.output() != null ? options.output() : paths.benchTarget().resolve("broker-bench.md");
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, report);
        log("wrote " + output);
    }

    private void startBroker(String name) throws InterruptedException {
        log("starting " + name);
        try {
            Broker broker = name.equals("Riffle")
                ? Broker.startRiffle(paths, BROKER_JVM_OPTIONS, logDir)
                : Broker.startKafka(paths, BROKER_JVM_OPTIONS, logDir);
            brokers.put(name, broker);
            log(name + " is up at " + broker.bootstrap());
        } catch (IOException e) {
            // Keep going: the other broker's column is still worth having.
            brokerStartErrors.put(name, name + " did not start: " + e.getMessage());
            log(brokerStartErrors.get(name));
        }
    }

    /** A case that throws is one failed cell, not the end of the bench. */
    private Outcome runCaseSafely(String brokerName, BenchCase benchCase, int rep) throws InterruptedException {
        try {
            return runCase(brokerName, benchCase, rep);
        } catch (IOException | RuntimeException e) {
            return Outcome.failed(e.toString());
        }
    }

    private Outcome runCase(String brokerName, BenchCase benchCase, int rep) throws IOException, InterruptedException {
        Broker broker = brokers.get(brokerName);
        if (broker == null) {
            return Outcome.failed(brokerStartErrors.get(brokerName));
        }
        if (!broker.isAlive()) {
            return Outcome.failed(brokerName + " process has exited; see " + logDir);
        }
        String topic = benchCase.topic(rep);
        String logPrefix = String.format(Locale.ROOT, "r%d-%s-%s", rep, brokerName.toLowerCase(Locale.ROOT),
            benchCase.id());
        Outcome created = ensureTopic(broker, benchCase, topic, logPrefix);
        if (!created.ok()) {
            return created;
        }
        String topicKey = brokerName + "/" + topic;
        switch (benchCase.kind()) {
            case PRODUCE: {
                Outcome outcome = tools.produce(broker.bootstrap(), topic, options.records(),
                    benchCase.recordSize(), benchCase.acks(), logDir, logPrefix);
                if (outcome.ok()) {
                    recordsInTopic.merge(topicKey, options.records(), Long::sum);
                }
                return outcome;
            }
            case PRODUCE_TRANSACTIONAL:
                return tools.produceTransactional(broker.bootstrap(), topic, options.records(), benchCase.recordSize(),
                    TRANSACTIONAL_ID, TRANSACTION_DURATION_MS, logDir, logPrefix);
            case CONSUME: {
                Outcome filled = ensureRecords(broker, benchCase, topic, topicKey, logPrefix);
                return filled.ok()
                    ? tools.consume(broker.bootstrap(), topic, recordsInTopic.get(topicKey),
                        "bench-" + logPrefix, logDir, logPrefix)
                    : filled;
            }
            case CONSUME_ASSIGNED: {
                Outcome filled = ensureRecords(broker, benchCase, topic, topicKey, logPrefix);
                return filled.ok()
                    ? tools.consumeAssigned(broker.bootstrap(), topic, recordsInTopic.get(topicKey), logDir, logPrefix)
                    : filled;
            }
            case END_TO_END:
                return tools.endToEndLatency(broker.bootstrap(), topic, options.latencyRecords(),
                    benchCase.recordSize(), benchCase.acks(), logDir, logPrefix);
            case END_TO_END_ASSIGNED:
                return tools.endToEndLatencyAssigned(broker.bootstrap(), topic, options.latencyRecords(),
                    benchCase.recordSize(), benchCase.acks(), logDir, logPrefix);
            case REBALANCE:
                return tools.rebalance(broker.bootstrap(), topic, BenchCase.REBALANCE_CONSUMERS,
                    BenchCase.REBALANCE_PARTITIONS, options.rebalanceRounds(), logDir, logPrefix);
            default:
                throw new IllegalStateException("unknown kind " + benchCase.kind());
        }
    }

    /**
     * Makes sure a consume case has records to read: normally what the produce cases of its size
     * wrote; if they were filtered out or failed, N records written now (unmeasured, acks=1).
     */
    private Outcome ensureRecords(Broker broker, BenchCase benchCase, String topic, String topicKey, String logPrefix)
        throws IOException, InterruptedException {
        if (recordsInTopic.getOrDefault(topicKey, 0L) > 0) {
            return Outcome.of(Map.of());
        }
        Outcome fill = tools.produce(broker.bootstrap(), topic, options.records(),
            benchCase.recordSize(), "1", logDir, logPrefix + "-fill");
        if (!fill.ok()) {
            return Outcome.failed("filling the topic: " + fill.error());
        }
        recordsInTopic.merge(topicKey, options.records(), Long::sum);
        return Outcome.of(Map.of());
    }

    private Outcome ensureTopic(Broker broker, BenchCase benchCase, String topic, String logPrefix)
        throws IOException, InterruptedException {
        Set<String> topics = createdTopics.computeIfAbsent(broker.name(), b -> new HashSet<>());
        if (topics.contains(topic)) {
            return Outcome.of(Map.of());
        }
        Outcome outcome = tools.createTopic(broker.bootstrap(), topic, benchCase.partitions(), logDir,
            logPrefix + "-create-topic");
        if (outcome.ok()) {
            topics.add(topic);
        }
        return outcome;
    }

    private String report(ResultTable table, Duration elapsed) {
        return "# Riffle vs Apache Kafka 4.3.1: whole-process broker bench\n\n"
            + String.format(Locale.ROOT,
                "%s; %d cores; Java %s; %d records per produce case, %d for latency; %d repetition(s), "
                    + "medians shown; %d partitions per topic (1 for e2e-assign, %d for rebalance, %d rounds per "
                    + "repetition); one node each; run took %d s.%n%n",
                Instant.now().toString().substring(0, 19) + "Z", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), options.records(), options.latencyRecords(), options.reps(),
                BenchCase.PARTITIONS, BenchCase.REBALANCE_PARTITIONS, options.rebalanceRounds(), elapsed.toSeconds())
            + table.toMarkdown()
            + "\nRiffle/Kafka is the ratio of the medians: for rec/s and MB/s above 1 means Riffle is faster; "
            + "for latencies and group join below 1 means Riffle is faster. Noise run to run is about ±10%.\n";
    }

    private static void log(String message) {
        System.out.println("[broker-bench] " + message);
    }

    private static void deleteOldLogs(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            try (var files = Files.list(directory)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }
}
