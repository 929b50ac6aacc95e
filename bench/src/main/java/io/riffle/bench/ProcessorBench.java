package io.riffle.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Processor bench: word count throughput (words/s) of Riffle's processor against Kafka Streams
 * 4.3.1, on the same broker (one Riffle node started by the bench), the same pre-produced input
 * (N lines × 10 words from a 10,000-word vocabulary, 6 partitions), the same guarantee, one
 * stream thread each, default settings otherwise.
 *
 * <p>Each application runs in its own child JVM on its own classpath
 * ({@code io.riffle.bench.tools.RiffleWordCount} on bench jar + Riffle distribution,
 * {@code KafkaStreamsWordCount} on bench jar + kafka-lib), with the same JVM options. The time
 * is taken inside the child from the first input line processed to the last word counted by the
 * aggregation (both topologies count words in their aggregator), so JVM start-up and the group
 * join are not measured; afterwards the child closes the application and checks that the
 * output topic's final counts add up to every input word (a run that fails the check fails).
 * The order of the two alternates every repetition.
 *
 * <p>The {@code restore-*} case measures restoration instead: each application (in its own
 * child JVM, {@code RiffleRestore} / {@code KafkaStreamsRestore}) builds a table over an empty
 * input topic, starts once so that its store's changelog exists, fills that changelog directly
 * with {@code --restore-mb} MB (1 KB values, distinct keys), deletes its state directory and
 * starts again: the figure is the time from {@code start()} until the application is RUNNING
 * with every changelog record restored. Not thread-safe: runs on the main thread.
 */
public final class ProcessorBench {
    private static final List<String> APP_JVM_OPTIONS =
        List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    private static final int RESTORE_VALUE_BYTES = 1024;

    static final String USAGE = String.join("\n",
        "usage: ProcessorBench --root REPO [options]",
        "  --reps N            repetitions (default 1)",
        "  --lines N           input lines of 10 words (default 1000000)",
        "  --restore-mb N      changelog size of the restore case, in MB of 1 KB values (default 1024)",
        "  --cases A,B         case ids containing any of these (wordcount-alos, wordcount-eos, restore-1GB)",
        "  --riffle-only | --kafka-only",
        "  --tool-timeout S    per child JVM (default 900)");

    private ProcessorBench() {
    }

    public static void main(String[] args) throws Exception {
        Path root = null;
        int reps = 1;
        long lines = 1_000_000;
        long timeout = 900;
        int restoreMegabytes = 1024;
        List<String> filter = List.of();
        List<String> columns = new ArrayList<>(List.of("Riffle", "Kafka"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--root" -> root = Path.of(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--lines" -> lines = Long.parseLong(args[++i]);
                case "--restore-mb" -> restoreMegabytes = Integer.parseInt(args[++i]);
                case "--cases" -> filter = List.of(args[++i].split(","));
                case "--tool-timeout" -> timeout = Long.parseLong(args[++i]);
                case "--riffle-only" -> columns.remove("Kafka");
                case "--kafka-only" -> columns.remove("Riffle");
                default -> {
                    System.err.println("processor-bench: unknown option " + args[i] + "\n" + USAGE);
                    System.exit(2);
                }
            }
        }
        if (root == null) {
            System.err.println("processor-bench: --root is required\n" + USAGE);
            System.exit(2);
        }
        List<String> f = filter;
        List<BenchCase> all = List.of(
            new BenchCase("wordcount-alos", BenchCase.Kind.WORDCOUNT, 0, "at_least_once"),
            new BenchCase("wordcount-eos", BenchCase.Kind.WORDCOUNT, 0, "exactly_once_v2"),
            new BenchCase(restoreMegabytes % 1024 == 0 ? "restore-" + restoreMegabytes / 1024 + "GB" : "restore-" + restoreMegabytes + "MB",
                BenchCase.Kind.RESTORE, restoreMegabytes, "at_least_once"));
        List<BenchCase> cases = all.stream().filter(c -> f.isEmpty() || f.stream().anyMatch(c.id()::contains)).toList();
        run(new BenchPaths(root), cases, columns, reps, lines, restoreMegabytes, timeout);
    }

    private static void run(BenchPaths paths, List<BenchCase> cases, List<String> columns, int reps, long lines, int restoreMegabytes,
                            long timeout)
        throws IOException, InterruptedException {
        Instant start = Instant.now();
        Path logDir = paths.benchTarget().resolve("processor-bench-logs");
        Files.createDirectories(logDir);
        Path work = Cleanup.temporaryDirectory("riffle-processor-bench-");
        PerfTools tools = new PerfTools(paths, work, timeout);
        ResultTable table = new ResultTable(columns);
        boolean wordCount = cases.stream().anyMatch(c -> c.kind() == BenchCase.Kind.WORDCOUNT);
        try (Broker broker = Broker.startRiffle(paths, List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC"), logDir)) {
            log("Riffle node at " + broker.bootstrap());
            for (int rep = 1; rep <= reps; rep++) {
                String input = "wc-lines-r" + rep;
                if (wordCount) {
                    Outcome created = tools.createTopic(broker.bootstrap(), input, BenchCase.PARTITIONS, logDir, "r" + rep + "-create-input");
                    if (!created.ok()) {
                        throw new IOException(created.error());
                    }
                    ChildJvm.ToolResult produced = ChildJvm.runTool("r" + rep + "-input", paths.benchToolsClasspath(), APP_JVM_OPTIONS,
                        "io.riffle.bench.tools.WordCountInput", List.of("--bootstrap-server", broker.bootstrap(), "--topic", input,
                            "--lines", String.valueOf(lines)), work, logDir, timeout);
                    if (!produced.ok()) {
                        throw new IOException("producing the input failed: " + produced.failureSummary());
                    }
                    log("rep " + rep + ": " + lines + " lines in " + input);
                }
                List<String> order = new ArrayList<>(columns);
                if (rep % 2 == 0) {
                    Collections.reverse(order);
                }
                for (BenchCase c : cases) {
                    for (String processor : order) {
                        Outcome outcome = c.kind() == BenchCase.Kind.RESTORE
                            ? runRestore(paths, tools, broker, c, processor, rep, work, logDir, timeout)
                            : runOne(paths, tools, broker, c, processor, rep, input, lines, work, logDir, timeout);
                        table.add(c, processor, outcome);
                        log(String.format(Locale.ROOT, "rep %d %-15s %-6s %s", rep, c.id(), processor,
                            outcome.ok() ? outcome.values() : "n/a (error: " + outcome.error() + ")"));
                    }
                }
            }
        }
        String report = "# Word count and restore: Riffle processor vs Kafka Streams 4.3.1\n\n"
            + String.format(Locale.ROOT, "%s; %d cores; Java %s; %d lines x 10 words (10,000-word vocabulary), %d partitions, "
                    + "1 stream thread, one Riffle node as the broker for both; restore case: %d MB changelog (1 KB values); "
                    + "%d repetition(s), medians; run took %d s.%n%n",
                Instant.now().toString().substring(0, 19) + "Z", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), lines, BenchCase.PARTITIONS, restoreMegabytes, reps, Duration.between(start, Instant.now()).toSeconds())
            + table.toMarkdown().replaceAll("(\\| wordcount-\\S+ \\| )rec/s \\|", "$1words/s |").replace("Riffle/Kafka", "Riffle/Kafka Streams")
            + "\nColumns: Riffle = Riffle's processor, Kafka = Kafka Streams 4.3.1 (both on the same Riffle broker). "
            + "For rates a ratio above 1 means Riffle's processor is faster; for restore s a ratio below 1 does.\n";
        System.out.println();
        System.out.println(report);
        Path output = paths.benchTarget().resolve("processor-bench.md");
        Files.writeString(output, report);
        log("wrote " + output);
    }

    private static Outcome runOne(BenchPaths paths, PerfTools tools, Broker broker, BenchCase c, String processor, int rep,
                                  String input, long lines, Path work, Path logDir, long timeout)
        throws IOException, InterruptedException {
        String name = String.format(Locale.ROOT, "r%d-%s-%s", rep, c.id(), processor.toLowerCase(Locale.ROOT));
        String output = "wc-out-" + name;
        Outcome created = tools.createTopic(broker.bootstrap(), output, BenchCase.PARTITIONS, logDir, name + "-create-output");
        if (!created.ok()) {
            return created;
        }
        boolean riffle = processor.equals("Riffle");
        Path stateDir = Files.createDirectories(work.resolve(name + "-state"));
        ChildJvm.ToolResult result = ChildJvm.runTool(name, riffle ? paths.riffleProcessorClasspath() : paths.benchToolsClasspath(),
            APP_JVM_OPTIONS, riffle ? "io.riffle.bench.tools.RiffleWordCount" : "io.riffle.bench.tools.KafkaStreamsWordCount",
            List.of("--bootstrap-server", broker.bootstrap(), "--input", input, "--output", output, "--guarantee", c.acks(),
                "--lines", String.valueOf(lines), "--application-id", "wc-" + name, "--state-dir", stateDir.toString(),
                "--timeout-seconds", String.valueOf(timeout - 60)),
            work, logDir, timeout);
        Map<String, String> summary = PerfTools.benchToolResult(result.stdout());
        if (!result.ok() || summary == null) {
            return Outcome.failed(result.ok() ? "no RESULT line in output" : result.failureSummary());
        }
        if (!summary.get("verified.words").equals(summary.get("words"))) {
            return Outcome.failed("output counts add up to " + summary.get("verified.words") + " words, not " + summary.get("words"));
        }
        return Outcome.of(Map.of(Metric.RECORDS_PER_SECOND, Double.parseDouble(summary.get("words.per.sec"))));
    }

    /** The restore case: one application fills its changelog, loses its state and restores it; time to RUNNING. */
    private static Outcome runRestore(BenchPaths paths, PerfTools tools, Broker broker, BenchCase c, String processor, int rep,
                                      Path work, Path logDir, long timeout)
        throws IOException, InterruptedException {
        String name = String.format(Locale.ROOT, "r%d-%s-%s", rep, c.id(), processor.toLowerCase(Locale.ROOT));
        String input = "restore-in-" + name;
        Outcome created = tools.createTopic(broker.bootstrap(), input, BenchCase.PARTITIONS, logDir, name + "-create-input");
        if (!created.ok()) {
            return created;
        }
        boolean riffle = processor.equals("Riffle");
        long records = (long) c.recordSize() * 1_000_000 / RESTORE_VALUE_BYTES;
        ChildJvm.ToolResult result = ChildJvm.runTool(name, riffle ? paths.riffleProcessorClasspath() : paths.benchToolsClasspath(),
            APP_JVM_OPTIONS, riffle ? "io.riffle.bench.tools.RiffleRestore" : "io.riffle.bench.tools.KafkaStreamsRestore",
            List.of("--bootstrap-server", broker.bootstrap(), "--input", input, "--application-id", "rs-" + name,
                "--state-dir", work.resolve(name + "-state").toString(), "--records", String.valueOf(records),
                "--value-bytes", String.valueOf(RESTORE_VALUE_BYTES), "--partitions", String.valueOf(BenchCase.PARTITIONS),
                "--timeout-seconds", String.valueOf(timeout - 60)),
            work, logDir, timeout);
        Map<String, String> summary = PerfTools.benchToolResult(result.stdout());
        if (!result.ok() || summary == null) {
            return Outcome.failed(result.ok() ? "no RESULT line in output" : result.failureSummary());
        }
        if (Long.parseLong(summary.get("restored")) != records) {
            return Outcome.failed("restored " + summary.get("restored") + " records, not " + records);
        }
        return Outcome.of(Map.of(Metric.RESTORE_SECONDS, Double.parseDouble(summary.get("seconds")),
            Metric.RECORDS_PER_SECOND, Double.parseDouble(summary.get("records.per.sec")),
            Metric.MEGABYTES_PER_SECOND, Double.parseDouble(summary.get("mb.per.sec"))));
    }

    private static void log(String message) {
        System.out.println("[processor-bench] " + message);
    }
}
