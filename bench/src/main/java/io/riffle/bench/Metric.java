package io.riffle.bench;

/** A figure a case reports, with its unit and the direction that is better. */
enum Metric {
    RECORDS_PER_SECOND("rec/s", true, "%,.0f"),
    MEGABYTES_PER_SECOND("MB/s", true, "%,.1f"),
    GROUP_JOIN_MS("group join ms", false, "%,.0f"),
    AVERAGE_MS("avg ms", false, "%,.2f"),
    P50_MS("p50 ms", false, "%,.2f"),
    P99_MS("p99 ms", false, "%,.2f"),
    P999_MS("p99.9 ms", false, "%,.2f"),
    REBALANCE_MEDIAN_MS("rebalance median ms", false, "%,.0f"),
    REBALANCE_MAX_MS("rebalance max ms", false, "%,.0f"),
    RESTORE_SECONDS("restore s", false, "%,.1f");

    private final String label;
    private final boolean higherIsBetter;
    private final String format;

    Metric(String label, boolean higherIsBetter, String format) {
        this.label = label;
        this.higherIsBetter = higherIsBetter;
        this.format = format;
    }

    String label() {
        return label;
    }

    boolean higherIsBetter() {
        return higherIsBetter;
    }

    String format(double value) {
        return String.format(java.util.Locale.ROOT, format, value);
    }
}
