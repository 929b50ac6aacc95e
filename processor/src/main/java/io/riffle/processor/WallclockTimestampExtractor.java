package io.riffle.processor;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Processing time: the wall clock when the record is processed, whatever its own timestamp. */
public final class WallclockTimestampExtractor implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        return System.currentTimeMillis();
    }
}
