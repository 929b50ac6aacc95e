package io.riffle.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Collects every repetition's {@link Outcome} per (case, broker) and renders the medians as a
 * Markdown table with the ratio Riffle/Kafka.
 *
 * <p>Not thread-safe: owned by the bench's main thread.
 */
final class ResultTable {

    private final List<String> brokers;
    private final Map<String, Map<String, List<Outcome>>> outcomes = new LinkedHashMap<>();

    ResultTable(List<String> brokers) {
        this.brokers = List.copyOf(brokers);
    }

    void add(BenchCase benchCase, String broker, Outcome outcome) {
        outcomes.computeIfAbsent(benchCase.id(), id -> new LinkedHashMap<>())
            .computeIfAbsent(broker, b -> new ArrayList<>())
            .add(outcome);
    }

    String toMarkdown() {
        StringBuilder out = new StringBuilder();
        out.append("| case | metric | better |");
        brokers.forEach(b -> out.append(' ').append(b).append(" |"));
        boolean ratio = brokers.contains("Riffle") && brokers.contains("Kafka");
        out.append(ratio ? " Riffle/Kafka |\n" : "\n");
        out.append("|---|---|---|");
        brokers.forEach(b -> out.append("---:|"));
        out.append(ratio ? "---:|\n" : "\n");

        for (Map.Entry<String, Map<String, List<Outcome>>> entry : outcomes.entrySet()) {
            for (Metric metric : metricsOf(entry.getValue())) {
                out.append("| ").append(entry.getKey()).append(" | ").append(metric.label()).append(" | ")
                    .append(metric.higherIsBetter() ? "higher" : "lower").append(" |");
                Map<String, Double> medians = new LinkedHashMap<>();
                for (String broker : brokers) {
                    List<Outcome> runs = entry.getValue().getOrDefault(broker, List.of());
                    out.append(' ').append(cell(runs, metric, medians, broker)).append(" |");
                }
                if (ratio) {
                    Double riffle = medians.get("Riffle");
                    Double kafka = medians.get("Kafka");
                    out.append(' ').append(riffle != null && kafka != null && kafka != 0
                        ? String.format(Locale.ROOT, "%.2f", riffle / kafka) : "–").append(" |");
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    /** The metrics of a case: those any broker reported, or one placeholder row if all failed. */
    private static List<Metric> metricsOf(Map<String, List<Outcome>> byBroker) {
        List<Metric> metrics = new ArrayList<>();
        for (Metric metric : Metric.values()) {
            boolean reported = byBroker.values().stream().flatMap(List::stream)
                .anyMatch(o -> o.values().containsKey(metric));
            if (reported) {
                metrics.add(metric);
            }
        }
        return metrics.isEmpty() ? List.of(Metric.RECORDS_PER_SECOND) : metrics;
    }

    private static String cell(List<Outcome> runs, Metric metric, Map<String, Double> medians, String broker) {
        List<Double> values = new ArrayList<>();
        String firstError = null;
        for (Outcome run : runs) {
            if (run.ok() && run.values().containsKey(metric)) {
                values.add(run.values().get(metric));
            } else if (firstError == null && run.error() != null) {
                firstError = run.error();
            }
        }
        if (values.isEmpty()) {
            return runs.isEmpty() ? "–" : "n/a (error: " + escape(firstError) + ")";
        }
        double median = median(values);
        medians.put(broker, median);
        String text = metric.format(median);
        // Say so when some repetitions failed: the median then covers fewer runs than asked for.
        return values.size() < runs.size() ? text + " (" + values.size() + "/" + runs.size() + " runs)" : text;
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    private static String escape(String text) {
        String oneLine = text == null ? "unknown" : text.replace('\n', ' ').replace("|", "\\|");
        return oneLine.length() > 160 ? oneLine.substring(0, 157) + "..." : oneLine;
    }
}
