package io.riffle.processor.internal;

import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;

/**
 * Where tasks send output, repartition and changelog records. The stream thread's
 * implementation writes through its producer; the test driver's keeps them in memory.
 */
public interface RecordCollector {
    /** {@code partition} null = the producer's default partitioner on the key bytes. */
    void send(String topic, Integer partition, byte[] key, byte[] value, long timestamp, Headers headers);

    /** For each partition written, the offset after the last acknowledged record. */
    Map<TopicPartition, Long> acknowledgedOffsets();
}
