package io.riffle.bench;

import java.util.List;

/**
 * One measured scenario, run the same way against every broker. Immutable.
 *
 * @param id          stable name used by {@code --cases} and in the table
 * @param kind        which Kafka tool measures it
 * @param recordSize  value size in bytes
 * @param acks        producer acks ("1" or "all")
 */
record BenchCase(String id, Kind kind, int recordSize, String acks) {

    enum Kind { PRODUCE, CONSUME, END_TO_END, REBALANCE }

    /** Consumers in the rebalance case's group, and partitions of its topic (3 per consumer). */
    static final int REBALANCE_CONSUMERS = 10;
    static final int REBALANCE_PARTITIONS = 30;

    /** The default cases, in the order they run (consume reads what the produce cases wrote). */
    static List<BenchCase> all() {
        return List.of(
            new BenchCase("produce-100B-acks1", Kind.PRODUCE, 100, "1"),
            new BenchCase("produce-100B-acksall", Kind.PRODUCE, 100, "all"),
            new BenchCase("consume-100B", Kind.CONSUME, 100, "1"),
            new BenchCase("produce-1KB-acks1", Kind.PRODUCE, 1024, "1"),
            new BenchCase("produce-1KB-acksall", Kind.PRODUCE, 1024, "all"),
            new BenchCase("consume-1KB", Kind.CONSUME, 1024, "1"),
            new BenchCase("e2e-latency-1KB-acksall", Kind.END_TO_END, 1024, "all"),
            new BenchCase("rebalance-10-consumers", Kind.REBALANCE, 0, "1"));
    }

    /** The topic a case uses in repetition {@code rep}: produce and consume of one size share it. */
    String topic(int rep) {
        return switch (kind) {
            case END_TO_END -> "bench-e2e-" + recordSize + "b-r" + rep;
            case REBALANCE -> "bench-rebalance-r" + rep;
            default -> "bench-" + recordSize + "b-r" + rep;
        };
    }

    /** Partitions of the case's topic: the rebalance case needs its own count. */
    int partitions(int standard) {
        return kind == Kind.REBALANCE ? REBALANCE_PARTITIONS : standard;
    }
}
