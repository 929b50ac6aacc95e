package io.riffle.processor;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Gives each input record its timestamp: the time windows, stream time and punctuation see, and
 * that outputs carry (Kafka Streams' interface). Configured by class name with
 * {@code default.timestamp.extractor}; {@link FailOnInvalidTimestamp} (the record's own
 * timestamp) by default. A negative result drops the record with a warning (its offset is still
 * committed); an exception thrown by the extractor stops the stream thread. Shared by all threads:
 * must be thread-safe.
 */
public interface TimestampExtractor {
    /**
     * @param record        the deserialized record
     * @param partitionTime the largest timestamp extracted so far on this record's partition by
     *                      this task, -1 if none
     */
    long extract(ConsumerRecord<Object, Object> record, long partitionTime);
}
