package io.riffle.log.storage;

import org.apache.kafka.common.protocol.Errors;

/**
 * The outcome of appending a produce request's records to one partition.
 *
 * @param error NONE, or the Kafka error the partition answers with
 * @param firstOffset the offset given to the first record (or of the original append, for a duplicate)
 * @param lastOffset the offset given to the last record
 * @param logAppendTime the broker time stamped on the records, or -1 for CreateTime topics
 * @param logStartOffset the log start offset after the append
 * @param recordCount records appended (0 for a duplicate)
 */
public record AppendResult(Errors error, String errorMessage, long firstOffset, long lastOffset,
                           long logAppendTime, long logStartOffset, int recordCount) {
    public static AppendResult error(Errors error, String message) {
        return new AppendResult(error, message, -1L, -1L, -1L, -1L, 0);
    }
}
