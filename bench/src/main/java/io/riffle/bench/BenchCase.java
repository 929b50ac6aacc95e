package io.riffle.bench;

import java.util.List;

/**
 * One measured scenario, run the same way against every broker. Immutable.
 *
 * @param id          stable name used by {@code --cases} and in the table
 * @param kind        which tool measures it
 * @param recordSize  value size in bytes
 * @param acks        producer acks ("1" or "all")
 */
record BenchCase(String id, Kind kind, int recordSize, String acks) {

    /** Partitions of every topic the bench creates, except the single-partition latency topic. */
    static final int PARTITIONS = 6;

    enum Kind {
        /** Kafka's ProducerPerformance. */
        PRODUCE,
        /** Kafka's ProducerPerformance as a transactional producer, committing every 100 ms. */
        PRODUCE_TRANSACTIONAL,
        /** Kafka's ConsumerPerformance, in a new consumer group. */
        CONSUME,
        /** The bench's AssignConsumerPerf: assigned partitions, no group. */
        CONSUME_ASSIGNED,
        /** Kafka's EndToEndLatency (its consumer has a group.id). */
        END_TO_END,
        /** The bench's AssignEndToEndLatency: one assigned partition, no group. */
        END_TO_END_ASSIGNED,
        /** The bench's RebalanceBench: a group of 10 consumers, one leaves. */
        REBALANCE,
        /** ProcessorBench: word count on Riffle's processor vs Kafka Streams ({@code acks} holds the guarantee). */
        WORDCOUNT,
        /** ProcessorBench: restore time of a key-value store from its changelog ({@code recordSize} holds the MB). */
        RESTORE
    }

    /** Consumers in the rebalance case's group, and partitions of its topic (3 per consumer). */
    static final int REBALANCE_CONSUMERS = 10;
    static final int REBALANCE_PARTITIONS = 30;

    /** The default cases, in the order they run (consume reads what the produce cases wrote). */
    static List<BenchCase> all() {
        return List.of(
            new BenchCase("produce-100B-acks1", Kind.PRODUCE, 100, "1"),
            new BenchCase("produce-100B-acksall", Kind.PRODUCE, 100, "all"),
            new BenchCase("consume-100B", Kind.CONSUME, 100, "1"),
            new BenchCase("consume-assign-100B", Kind.CONSUME_ASSIGNED, 100, "1"),
            new BenchCase("produce-1KB-acks1", Kind.PRODUCE, 1024, "1"),
            new BenchCase("produce-1KB-acksall", Kind.PRODUCE, 1024, "all"),
            new BenchCase("consume-1KB", Kind.CONSUME, 1024, "1"),
            new BenchCase("consume-assign-1KB", Kind.CONSUME_ASSIGNED, 1024, "1"),
            new BenchCase("e2e-latency-1KB-acksall", Kind.END_TO_END, 1024, "all"),
            new BenchCase("e2e-assign-latency-1KB-acksall", Kind.END_TO_END_ASSIGNED, 1024, "all"),
            new BenchCase("rebalance-10-consumers", Kind.REBALANCE, 0, "1"),
            new BenchCase("produce-txn-1KB", Kind.PRODUCE_TRANSACTIONAL, 1024, "all"));
    }

    /**
     * The topic a case uses in repetition {@code rep}: produce and both consume cases of one size
     * share it; each latency case and the transactional produce case (whose markers the consume
     * cases should not count) has its own.
     */
    String topic(int rep) {
        return switch (kind) {
            case END_TO_END -> "bench-e2e-" + recordSize + "b-r" + rep;
            case END_TO_END_ASSIGNED -> "bench-e2e-assign-" + recordSize + "b-r" + rep;
            case REBALANCE -> "bench-rebalance-r" + rep;
            case PRODUCE_TRANSACTIONAL -> "bench-txn-" + recordSize + "b-r" + rep;
            default -> "bench-" + recordSize + "b-r" + rep;
        };
    }

    /**
     * The assigned latency tool follows one partition, so its topic has exactly one; the rebalance
     * case needs three per consumer.
     */
    int partitions() {
        return switch (kind) {
            case END_TO_END_ASSIGNED -> 1;
            case REBALANCE -> REBALANCE_PARTITIONS;
            default -> PARTITIONS;
        };
    }
}
