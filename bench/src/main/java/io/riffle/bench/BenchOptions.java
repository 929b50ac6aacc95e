package io.riffle.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The bench's command-line options, validated once. Immutable.
 */
record BenchOptions(Path root, int reps, long records, long latencyRecords, int rebalanceRounds,
                    List<String> caseFilter, boolean riffle, boolean kafka, long toolTimeoutSeconds, Path output,
                    boolean help) {

    static final String USAGE = String.join("\n",
        "usage: BrokerBench [options]",
        "  --root DIR              repository root (default: current directory)",
        "  --reps N                repetitions per case and broker, medians reported (default 1)",
        "  --records N             records per produce case (default 1000000)",
        "  --latency-records N     records for the end-to-end latency cases (default 5000)",
        "  --rebalance-rounds N    rebalances measured per repetition of the rebalance case (default 5)",
        "  --cases A,B             only cases whose id contains one of these (e.g. produce,e2e,1KB)",
        "  --riffle-only           measure Riffle only",
        "  --kafka-only            measure Apache Kafka only",
        "  --tool-timeout S        kill a tool run after S seconds, recording an error (default 300)",
        "  --output FILE           result table (default bench/target/broker-bench.md)",
        "cases: " + BenchCase.all().stream().map(BenchCase::id).toList());

    static BenchOptions parse(String[] args) {
        Path root = Path.of("").toAbsolutePath();
        int reps = 1;
        long records = 1_000_000;
        long latencyRecords = 5_000;
        int rebalanceRounds = 5;
        List<String> caseFilter = List.of();
        boolean riffleOnly = false;
        boolean kafkaOnly = false;
        long toolTimeout = 300;
        Path output = null;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--root" -> root = Path.of(value(args, ++i, arg)).toAbsolutePath();
                case "--reps" -> reps = (int) positive(value(args, ++i, arg), arg);
                case "--records" -> records = positive(value(args, ++i, arg), arg);
                case "--latency-records" -> latencyRecords = positive(value(args, ++i, arg), arg);
                case "--rebalance-rounds" -> rebalanceRounds = (int) positive(value(args, ++i, arg), arg);
                case "--cases" -> caseFilter = Arrays.stream(value(args, ++i, arg).split(","))
                    .map(String::strip).filter(s -> !s.isEmpty()).toList();
                case "--riffle-only" -> riffleOnly = true;
                case "--kafka-only" -> kafkaOnly = true;
                case "--tool-timeout" -> toolTimeout = positive(value(args, ++i, arg), arg);
                case "--output" -> output = Path.of(value(args, ++i, arg)).toAbsolutePath();
                case "-h", "--help" -> help = true;
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        if (riffleOnly && kafkaOnly) {
            throw new IllegalArgumentException("--riffle-only and --kafka-only exclude each other");
        }
        return new BenchOptions(root, reps, records, latencyRecords, rebalanceRounds, caseFilter, !kafkaOnly, !riffleOnly,
            toolTimeout, output, help);
    }

    List<BenchCase> selectedCases() {
        if (caseFilter.isEmpty()) {
            return BenchCase.all();
        }
        return BenchCase.all().stream()
            .filter(c -> caseFilter.stream().anyMatch(
                f -> c.id().toLowerCase(Locale.ROOT).contains(f.toLowerCase(Locale.ROOT))))
            .toList();
    }

    List<String> brokerNames() {
        List<String> names = new ArrayList<>();
        if (riffle) {
            names.add("Riffle");
        }
        if (kafka) {
            names.add("Kafka");
        }
        return names;
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    private static long positive(String text, String option) {
        try {
            long value = Long.parseLong(text);
            if (value <= 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a positive whole number, not '" + text + "'");
        }
    }
}
