package io.riffle.log.storage;

import io.riffle.log.config.LogConfig;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * Checks a producer's records before they reach the log, as Kafka's broker does: whole batches
 * only, magic v2, valid CRC, within max.message.bytes, timestamps within the topic's bounds,
 * keys present on compacted topics. The records are not re-encoded.
 *
 * <p>Stateless and thread-safe.
 */
final class RecordValidation {
    private RecordValidation() {
    }

    /** @return null if the records may be appended, else the error result */
    static AppendResult validate(MemoryRecords records, LogConfig config, long now) {
        int total = records.sizeInBytes();
        if (total == 0) {
            return AppendResult.error(Errors.CORRUPT_MESSAGE, "The produce request carries no record batch");
        }
        int seen = 0;
        int batches = 0;
        try {
            for (MutableRecordBatch batch : records.batches()) {
                batches++;
                if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                    return AppendResult.error(Errors.CORRUPT_MESSAGE, "Record batch magic " + batch.magic()
                            + " is not supported; only v2 batches are accepted");
                }
                if (batch.sizeInBytes() > config.maxMessageBytes()) {
                    return AppendResult.error(Errors.MESSAGE_TOO_LARGE, "The record batch is " + batch.sizeInBytes()
                            + " bytes, above max.message.bytes " + config.maxMessageBytes());
                }
                if (!batch.isValid()) {
                    return AppendResult.error(Errors.CORRUPT_MESSAGE, "Record batch CRC mismatch");
                }
                if (batch.isControlBatch()) {
                    return AppendResult.error(Errors.INVALID_RECORD, "Clients may not produce control batches");
                }
                Integer count = batch.countOrNull();
                if (count == null || count <= 0 || batch.lastOffset() - batch.baseOffset() + 1 != count) {
                    return AppendResult.error(Errors.CORRUPT_MESSAGE, "Record batch header counts are inconsistent");
                }
                if (config.timestampType() == TimestampType.CREATE_TIME) {
                    AppendResult bad = checkTimestamp(batch.maxTimestamp(), config, now);
                    if (bad != null) {
                        return bad;
                    }
                }
                if (config.compact()) {
                    AppendResult bad = checkKeys(batch);
                    if (bad != null) {
                        return bad;
                    }
                }
                seen += batch.sizeInBytes();
            }
        } catch (CorruptRecordException e) {
            return AppendResult.error(Errors.CORRUPT_MESSAGE, e.getMessage());
        }
        if (batches == 0 || seen != total) {
            return AppendResult.error(Errors.CORRUPT_MESSAGE, "The records end in a partial batch");
        }
        return null;
    }

    private static AppendResult checkTimestamp(long timestamp, LogConfig config, long now) {
        if (timestamp == RecordBatch.NO_TIMESTAMP) {
            return null;
        }
        if (timestamp < 0) {
            return AppendResult.error(Errors.INVALID_TIMESTAMP, "Timestamp " + timestamp + " is negative");
        }
        if (now - timestamp > config.timestampBeforeMaxMs() || timestamp - now > config.timestampAfterMaxMs()) {
            return AppendResult.error(Errors.INVALID_TIMESTAMP, "Timestamp " + timestamp + " is out of the range "
                    + "message.timestamp.before.max.ms / message.timestamp.after.max.ms allow at broker time " + now);
        }
        return null;
    }

    private static AppendResult checkKeys(RecordBatch batch) {
        try (CloseableIterator<Record> it = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
            while (it.hasNext()) {
                if (!it.next().hasKey()) {
                    return AppendResult.error(Errors.INVALID_RECORD, "Compacted topic cannot accept a record without a key");
                }
            }
        } catch (RuntimeException e) {
            return AppendResult.error(Errors.CORRUPT_MESSAGE, "Record batch could not be read: " + e.getMessage());
        }
        return null;
    }
}
