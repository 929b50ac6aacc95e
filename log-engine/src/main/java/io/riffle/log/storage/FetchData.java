package io.riffle.log.storage;

import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * The result of reading a log: where the read began and the records, either a slice of a
 * segment file (served zero-copy) or records in memory.
 */
public record FetchData(LogOffsetMetadata start, BaseRecords records) {
    public static FetchData empty(LogOffsetMetadata start) {
        return new FetchData(start, MemoryRecords.EMPTY);
    }

    public int sizeInBytes() {
        return records.sizeInBytes();
    }
}
