package io.riffle.processor;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The record's own timestamp; a negative one is logged and the record skipped (its offset committed). */
public final class LogAndSkipOnInvalidTimestamp implements TimestampExtractor {
    private static final Logger log = LoggerFactory.getLogger(LogAndSkipOnInvalidTimestamp.class);

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.timestamp() < 0) {
            log.warn("Input record {}-{}@{} will be dropped because it has an invalid (negative) timestamp {}",
                record.topic(), record.partition(), record.offset(), record.timestamp());
        }
        return record.timestamp();
    }
}
