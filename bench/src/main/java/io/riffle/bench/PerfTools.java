package io.riffle.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs Apache Kafka's own measuring tools (kafka-tools 4.3.1) in child JVMs against a bootstrap
 * address and turns their printed summaries into {@link Outcome}s. Using Kafka's tools, with
 * their default client settings, against both brokers is what makes the two columns comparable.
 * Where Kafka's tools need consumer groups, the bench's own group-free tools
 * ({@code io.riffle.bench.tools}, on the same kafka-clients) measure the same path without them.
 *
 * <p>Not thread-safe: owned by the bench's main thread.
 */
final class PerfTools {

    // "500000 records sent, 160668.380463 records/sec (15.32 MB/sec), 147.53 ms avg latency,
    //  436.00 ms max latency, 131 ms 50th, 293 ms 95th, 395 ms 99th, 430 ms 99.9th."
    private static final Pattern PRODUCER_SUMMARY = Pattern.compile(
        "(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\), ([\\d.]+) ms avg latency, "
            + "([\\d.]+) ms max latency, (\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th, (\\d+) ms 99\\.9th");
    private static final Pattern E2E_AVERAGE = Pattern.compile("Avg latency: ([\\d.]+) ms");
    private static final Pattern E2E_PERCENTILES =
        Pattern.compile("Percentiles: 50th = (\\d+), 99th = (\\d+), 99\\.9th = (\\d+)");
    /** The one result line of the bench's own tools: "RESULT tool-name key=value key=value ...". */
    private static final Pattern BENCH_TOOL_RESULT = Pattern.compile("^RESULT (\\S+)((?: \\S+=\\S+)+)$");
    private static final String ASSIGN_CONSUMER_PERF = "io.riffle.bench.tools.AssignConsumerPerf";
    private static final String ASSIGN_END_TO_END_LATENCY = "io.riffle.bench.tools.AssignEndToEndLatency";
    private static final String REBALANCE_BENCH = "io.riffle.bench.tools.RebalanceBench";

    /** Tools log at INFO through slf4j-simple to stderr; WARN keeps their log files readable. */
    private static final List<String> TOOL_JVM_OPTIONS =
        List.of("-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");

    private final BenchPaths paths;
    private final Path workDir;
    private final long timeoutSeconds;

    PerfTools(BenchPaths paths, Path workDir, long timeoutSeconds) {
        this.paths = paths;
        this.workDir = workDir;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Creates a topic with {@code partitions} partitions, replication factor 1. */
    Outcome createTopic(String bootstrap, String topic, int partitions, Path logDir, String logName)
        throws IOException, InterruptedException {
        ChildJvm.ToolResult result = run(logName, "org.apache.kafka.tools.TopicCommand", logDir, List.of(
            "--bootstrap-server", bootstrap, "--create", "--topic", topic,
            "--partitions", String.valueOf(partitions), "--replication-factor", "1"));
        return result.ok() ? Outcome.of(Map.of()) : Outcome.failed("topic create: " + result.failureSummary());
    }

    Outcome produce(String bootstrap, String topic, long records, int recordSize, String acks,
                    Path logDir, String logName) throws IOException, InterruptedException {
        return producerPerformance(bootstrap, topic, records, recordSize, acks, List.of(), logDir, logName);
    }

    /**
     * ProducerPerformance as one transactional producer ({@code transactional.id} given), which
     * commits a transaction every {@code transactionDurationMs}: every batch also pays for
     * AddPartitionsToTxn on the first write to a partition in each transaction, and every
     * transaction for EndTxn and its markers. Idempotence implies acks=all.
     */
    Outcome produceTransactional(String bootstrap, String topic, long records, int recordSize, String transactionalId,
                                 long transactionDurationMs, Path logDir, String logName)
        throws IOException, InterruptedException {
        return producerPerformance(bootstrap, topic, records, recordSize, "all", List.of(
            "--transactional-id", transactionalId, "--transaction-duration-ms", String.valueOf(transactionDurationMs)),
            logDir, logName);
    }

    private Outcome producerPerformance(String bootstrap, String topic, long records, int recordSize, String acks,
                                        List<String> extraArgs, Path logDir, String logName)
        throws IOException, InterruptedException {
        List<String> args = new java.util.ArrayList<>(List.of(
            "--bootstrap-server", bootstrap, "--topic", topic, "--num-records", String.valueOf(records),
            "--record-size", String.valueOf(recordSize), "--throughput", "-1",
            "--command-property", "acks=" + acks));
        args.addAll(extraArgs);
        ChildJvm.ToolResult result = run(logName, "org.apache.kafka.tools.ProducerPerformance", logDir, args);
        Matcher summary = lastMatch(PRODUCER_SUMMARY, result.stdout());
        if (!result.ok() || summary == null) {
            return Outcome.failed(result.ok() ? "no summary line in output" : result.failureSummary());
        }
        if (Long.parseLong(summary.group(1)) != records) {
            return Outcome.failed("sent " + summary.group(1) + " of " + records + " records");
        }
        Map<Metric, Double> values = new EnumMap<>(Metric.class);
        values.put(Metric.RECORDS_PER_SECOND, Double.parseDouble(summary.group(2)));
        values.put(Metric.MEGABYTES_PER_SECOND, Double.parseDouble(summary.group(3)));
        values.put(Metric.P50_MS, Double.parseDouble(summary.group(6)));
        values.put(Metric.P99_MS, Double.parseDouble(summary.group(8)));
        return Outcome.of(values);
    }

    /**
     * Consumes {@code records} records from the beginning of the topic in a new consumer group.
     * Reports the fetch rates (which exclude the group join) and the join time separately, so a
     * slow join does not hide the fetch path's speed and vice versa.
     */
    Outcome consume(String bootstrap, String topic, long records, String group, Path logDir, String logName)
        throws IOException, InterruptedException {
        ChildJvm.ToolResult result = run(logName, "org.apache.kafka.tools.ConsumerPerformance", logDir, List.of(
            "--bootstrap-server", bootstrap, "--topic", topic, "--num-records", String.valueOf(records),
            "--group", group, "--timeout", "30000"));
        if (!result.ok()) {
            return Outcome.failed(result.failureSummary());
        }
        Map<String, String> row = csvRow(result.stdout(), "data.consumed.in.nMsg");
        if (row == null) {
            return Outcome.failed("no summary line in output");
        }
        long consumed = Long.parseLong(row.get("data.consumed.in.nMsg"));
        if (consumed < records) {
            return Outcome.failed("consumed " + consumed + " of " + records + " records before the 30 s idle timeout");
        }
        Map<Metric, Double> values = new EnumMap<>(Metric.class);
        values.put(Metric.RECORDS_PER_SECOND, Double.parseDouble(row.get("fetch.nMsg.sec")));
        values.put(Metric.MEGABYTES_PER_SECOND, Double.parseDouble(row.get("fetch.MB.sec")));
        values.put(Metric.GROUP_JOIN_MS, Double.parseDouble(row.get("rebalance.time.ms")));
        return Outcome.of(values);
    }

    /** One record at a time, produced with {@code acks} and awaited by an assigned consumer. */
    Outcome endToEndLatency(String bootstrap, String topic, long records, int recordSize, String acks,
                            Path logDir, String logName) throws IOException, InterruptedException {
        ChildJvm.ToolResult result = run(logName, "org.apache.kafka.tools.EndToEndLatency", logDir, List.of(
            "--bootstrap-server", bootstrap, "--topic", topic, "--num-records", String.valueOf(records),
            "--producer-acks", acks, "--record-size", String.valueOf(recordSize)));
        Matcher average = lastMatch(E2E_AVERAGE, result.stdout());
        Matcher percentiles = lastMatch(E2E_PERCENTILES, result.stdout());
        if (!result.ok() || average == null || percentiles == null) {
            return Outcome.failed(result.ok() ? "no summary line in output" : result.failureSummary());
        }
        Map<Metric, Double> values = new EnumMap<>(Metric.class);
        values.put(Metric.AVERAGE_MS, Double.parseDouble(average.group(1)));
        values.put(Metric.P50_MS, Double.parseDouble(percentiles.group(1)));
        values.put(Metric.P99_MS, Double.parseDouble(percentiles.group(2)));
        values.put(Metric.P999_MS, Double.parseDouble(percentiles.group(3)));
        return Outcome.of(values);
    }

    /**
     * Consumes {@code records} records from the beginning of all partitions without a consumer
     * group ({@code assign} + {@code seekToBeginning}), timed from the first poll to the N-th record.
     */
    Outcome consumeAssigned(String bootstrap, String topic, long records, Path logDir, String logName)
        throws IOException, InterruptedException {
        ChildJvm.ToolResult result = runBenchTool(logName, ASSIGN_CONSUMER_PERF, logDir, List.of(
            "--bootstrap-server", bootstrap, "--topic", topic, "--num-records", String.valueOf(records),
            "--timeout-ms", "30000"));
        Map<String, String> summary = benchToolResult(result.stdout());
        if (!result.ok() || summary == null) {
            return Outcome.failed(result.ok() ? "no summary line in output" : result.failureSummary());
        }
        if (Long.parseLong(summary.get("records")) != records) {
            return Outcome.failed("consumed " + summary.get("records") + " of " + records + " records");
        }
        Map<Metric, Double> values = new EnumMap<>(Metric.class);
        values.put(Metric.RECORDS_PER_SECOND, Double.parseDouble(summary.get("records.per.sec")));
        values.put(Metric.MEGABYTES_PER_SECOND, Double.parseDouble(summary.get("megabytes.per.sec")));
        return Outcome.of(values);
    }

    /** One record at a time, produced with {@code acks} and awaited by a consumer assigned without a group. */
    Outcome endToEndLatencyAssigned(String bootstrap, String topic, long records, int recordSize, String acks,
                                    Path logDir, String logName) throws IOException, InterruptedException {
        ChildJvm.ToolResult result = runBenchTool(logName, ASSIGN_END_TO_END_LATENCY, logDir, List.of(
            "--bootstrap-server", bootstrap, "--topic", topic, "--num-records", String.valueOf(records),
            "--producer-acks", acks, "--record-size", String.valueOf(recordSize)));
        Map<String, String> summary = benchToolResult(result.stdout());
        if (!result.ok() || summary == null) {
            return Outcome.failed(result.ok() ? "no summary line in output" : result.failureSummary());
        }
        Map<Metric, Double> values = new EnumMap<>(Metric.class);
        values.put(Metric.AVERAGE_MS, Double.parseDouble(summary.get("avg.ms")));
        values.put(Metric.P50_MS, Double.parseDouble(summary.get("p50.ms")));
        values.put(Metric.P99_MS, Double.parseDouble(summary.get("p99.ms")));
        values.put(Metric.P999_MS, Double.parseDouble(summary.get("p99.9.ms")));
        return Outcome.of(values);
    }

    /**
     * {@link io.riffle.bench.tools.RebalanceBench}: {@code consumers} consumers in one group on a
     * topic of {@code partitions} partitions; one leaves; the time until the rest hold a new
     * complete assignment, {@code rounds} times in fresh groups: median and maximum.
     */
    Outcome rebalance(String bootstrap, String topic, int consumers, int partitions, int rounds,
                      Path logDir, String logName) throws IOException, InterruptedException {
        ChildJvm.ToolResult result = runBenchTool(logName, REBALANCE_BENCH, logDir, List.of(
            "--bootstrap-server", bootstrap, "--topic", topic, "--consumers", String.valueOf(consumers),
            "--partitions", String.valueOf(partitions), "--rounds", String.valueOf(rounds)));
        Map<String, String> summary = benchToolResult(result.stdout());
        if (!result.ok() || summary == null) {
            return Outcome.failed(result.ok() ? "no summary line in output" : result.failureSummary());
        }
        Map<Metric, Double> values = new EnumMap<>(Metric.class);
        values.put(Metric.REBALANCE_MEDIAN_MS, Double.parseDouble(summary.get("median.ms")));
        values.put(Metric.REBALANCE_MAX_MS, Double.parseDouble(summary.get("max.ms")));
        return Outcome.of(values);
    }

    private ChildJvm.ToolResult run(String logName, String mainClass, Path logDir, List<String> args)
        throws IOException, InterruptedException {
        return ChildJvm.runTool(logName, paths.kafkaClasspath(), TOOL_JVM_OPTIONS, mainClass, args,
            workDir, logDir, timeoutSeconds);
    }

    /** Same JVM options and timeout as Kafka's tools; the classpath adds the bench's jar. */
    private ChildJvm.ToolResult runBenchTool(String logName, String mainClass, Path logDir, List<String> args)
        throws IOException, InterruptedException {
        return ChildJvm.runTool(logName, paths.benchToolsClasspath(), TOOL_JVM_OPTIONS, mainClass, args,
            workDir, logDir, timeoutSeconds);
    }

    /** The key=value pairs of the last "RESULT ..." line, or null if there is none. */
    static Map<String, String> benchToolResult(String text) {
        Matcher line = lastMatch(BENCH_TOOL_RESULT, text);
        if (line == null) {
            return null;
        }
        Map<String, String> values = new java.util.HashMap<>();
        for (String pair : line.group(2).strip().split(" ")) {
            int equals = pair.indexOf('=');
            values.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return values;
    }

    private static Matcher lastMatch(Pattern pattern, String text) {
        Matcher last = null;
        for (String line : text.split("\n")) {
            Matcher matcher = pattern.matcher(line);
            if (matcher.find()) {
                last = matcher;
            }
        }
        return last;
    }

    /** ConsumerPerformance prints a CSV header line and then one CSV data line. */
    private static Map<String, String> csvRow(String text, String requiredColumn) {
        String[] lines = text.split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].contains(requiredColumn)) {
                String[] names = lines[i].split(",");
                String[] cells = lines[i + 1].split(",");
                if (names.length != cells.length) {
                    return null;
                }
                Map<String, String> row = new java.util.HashMap<>();
                for (int c = 0; c < names.length; c++) {
                    row.put(names[c].strip(), cells[c].strip());
                }
                return row;
            }
        }
        return null;
    }
}
