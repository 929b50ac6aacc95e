package io.riffle.processor;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The default extractor: the record's own timestamp; a negative one stops the stream thread. */
public final class FailOnInvalidTimestamp implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.timestamp() < 0) {
            throw new IllegalArgumentException("input record " + record.topic() + "-" + record.partition() + "@" + record.offset()
                + " has invalid (negative) timestamp " + record.timestamp() + "; producers may be too old to set timestamps,"
                + " or set default.timestamp.extractor to LogAndSkipOnInvalidTimestamp or WallclockTimestampExtractor");
        }
        return record.timestamp();
    }
}
