package io.riffle.log.storage;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * One segment of a partition's log: a file of record batches stored exactly as received (with
 * their offsets assigned), plus its sparse offset and time indexes. Files are named by the
 * segment's base offset, as Kafka names them ({@code 00000000000000000000.log}).
 *
 * <p>Not thread-safe for writes: appends, truncation and recovery run under the owning
 * {@link PartitionLog}'s lock. Reads may run concurrently with appends; a reader only sees
 * positions below the bound it was given.
 */
public final class LogSegment implements AutoCloseable {
    public static final String LOG_SUFFIX = ".log";
    public static final String INDEX_SUFFIX = ".index";
    public static final String TIME_INDEX_SUFFIX = ".timeindex";
    public static final String DELETED_SUFFIX = ".deleted";
    public static final String CLEANED_SUFFIX = ".cleaned";
    public static final String SWAP_SUFFIX = ".swap";

    private final long baseOffset;
    private final FileRecords log;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final int indexIntervalBytes;
    private int bytesSinceLastIndexEntry;
    private volatile long maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
    private volatile long offsetOfMaxTimestampSoFar;
    private volatile long rollingBasedTimestamp = -1L;
    private final long createdMs;

    private LogSegment(long baseOffset, FileRecords log, OffsetIndex offsetIndex, TimeIndex timeIndex,
                       int indexIntervalBytes, long createdMs) {
        this.baseOffset = baseOffset;
        this.log = log;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.indexIntervalBytes = indexIntervalBytes;
        this.createdMs = createdMs;
        this.offsetOfMaxTimestampSoFar = baseOffset;
    }

    public static String fileName(long offset, String suffix) {
        return String.format("%020d%s", offset, suffix);
    }

    /** Opens (or creates) the segment starting at baseOffset in dir. */
    public static LogSegment open(Path dir, long baseOffset, int indexMaxBytes, int indexIntervalBytes,
                                  boolean active, long nowMs) throws IOException {
        return open(dir, baseOffset, "", indexMaxBytes, indexIntervalBytes, active, nowMs);
    }

    /**
     * Opens (or creates) a segment whose three files carry an extra suffix after their usual
     * one, e.g. {@link #CLEANED_SUFFIX} for the log cleaner's output ({@code <base>.log.cleaned},
     * {@code <base>.index.cleaned}, {@code <base>.timeindex.cleaned}).
     */
    public static LogSegment open(Path dir, long baseOffset, String fileSuffix, int indexMaxBytes,
                                  int indexIntervalBytes, boolean active, long nowMs) throws IOException {
        File logFile = dir.resolve(fileName(baseOffset, LOG_SUFFIX + fileSuffix)).toFile();
        boolean exists = logFile.exists();
        FileRecords records = FileRecords.open(logFile, true, exists, 0, false);
        OffsetIndex offsetIndex = new OffsetIndex(dir.resolve(fileName(baseOffset, INDEX_SUFFIX + fileSuffix)).toFile(),
                baseOffset, indexMaxBytes, active);
        TimeIndex timeIndex = new TimeIndex(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX + fileSuffix)).toFile(),
                baseOffset, indexMaxBytes, active);
        LogSegment segment = new LogSegment(baseOffset, records, offsetIndex, timeIndex, indexIntervalBytes, nowMs);
        if (exists) {
            segment.loadTimestampsFromIndex();
        }
        return segment;
    }

    private void loadTimestampsFromIndex() {
        TimeIndex.Entry last = timeIndex.lastEntry();
        if (last.timestamp() > 0) {
            maxTimestampSoFar = last.timestamp();
            offsetOfMaxTimestampSoFar = last.offset();
        }
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int size() {
        return log.sizeInBytes();
    }

    public FileRecords records() {
        return log;
    }

    public OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    public TimeIndex timeIndex() {
        return timeIndex;
    }

    /** The largest timestamp in the segment, or its file's last-modified time if it holds none. */
    public long largestTimestamp() throws IOException {
        long ts = maxTimestampSoFar;
        return ts > 0 ? ts : lastModified();
    }

    public long maxTimestampSoFar() {
        return maxTimestampSoFar;
    }

    public long offsetOfMaxTimestampSoFar() {
        return offsetOfMaxTimestampSoFar;
    }

    public long lastModified() throws IOException {
        return Files.getLastModifiedTime(log.file().toPath()).toMillis();
    }

    /** The time segment.ms counts from: the first batch's timestamp, or when the segment was made. */
    public long rollingBasedTimestamp() {
        long ts = rollingBasedTimestamp;
        return ts > 0 ? ts : createdMs;
    }

    public boolean indexFull() {
        return offsetIndex.isFull() || timeIndex.isFull();
    }

    /**
     * Appends batches whose offsets are already assigned, and indexes them sparsely.
     *
     * @param largestOffset the last offset in records
     * @param maxTimestamp the greatest batch timestamp in records
     * @param offsetOfMaxTimestamp the offset that carries it
     */
    public void append(long largestOffset, long maxTimestamp, long offsetOfMaxTimestamp, MemoryRecords records)
            throws IOException {
        if (records.sizeInBytes() == 0) {
            return;
        }
        if (largestOffset - baseOffset > Integer.MAX_VALUE || largestOffset < baseOffset) {
            throw new IllegalArgumentException("offset " + largestOffset + " does not fit segment " + baseOffset);
        }
        int physicalPosition = log.sizeInBytes();
        if (physicalPosition == 0) {
            rollingBasedTimestamp = maxTimestamp;
        }
        log.append(records);
        if (maxTimestamp > maxTimestampSoFar) {
            maxTimestampSoFar = maxTimestamp;
            offsetOfMaxTimestampSoFar = offsetOfMaxTimestamp;
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            long firstOffset = records.batches().iterator().next().baseOffset();
            offsetIndex.append(firstOffset, physicalPosition);
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += records.sizeInBytes();
    }

    /** Where an offset's batch starts, searching from the index entry below it; null if past the end. */
    public FileRecords.LogOffsetPosition translateOffset(long offset, int startingFilePosition) {
        OffsetIndex.Position mapping = offsetIndex.lookup(offset);
        return log.searchForOffsetFromPosition(offset, Math.max(mapping.position(), startingFilePosition));
    }

    /**
     * Reads from the batch holding startOffset, up to maxSize bytes and never past maxPosition.
     *
     * @param minOneBatch return the whole first batch even if it exceeds maxSize
     * @return the records and where they start, or empty if startOffset is beyond this segment
     */
    public Optional<FetchData> read(long startOffset, int maxSize, long maxPosition, boolean minOneBatch) {
        FileRecords.LogOffsetPosition start = translateOffset(startOffset, 0);
        if (start == null || start.position >= maxPosition) {
            return Optional.empty();
        }
        int available = (int) (Math.min(maxPosition, log.sizeInBytes()) - start.position);
        int fetchSize = Math.min(available, maxSize);
        if (minOneBatch && fetchSize < start.size) {
            fetchSize = Math.min(available, start.size);
        }
        LogOffsetMetadata metadata = new LogOffsetMetadata(startOffset, baseOffset, start.position);
        if (fetchSize <= 0) {
            return Optional.of(FetchData.empty(metadata));
        }
        return Optional.of(new FetchData(metadata, new SegmentSlice(log.channel(), start.position, fetchSize)));
    }

    /** The first offset at or after the timestamp in this segment, with that record's timestamp. */
    public Optional<FileRecords.TimestampAndOffset> findOffsetByTimestamp(long timestamp, long startingOffset) {
        TimeIndex.Entry entry = timeIndex.lookup(timestamp);
        OffsetIndex.Position position = offsetIndex.lookup(Math.max(entry.offset(), startingOffset));
        return Optional.ofNullable(log.searchForTimestamp(timestamp, position.position(), startingOffset));
    }

    /**
     * Validates every batch from the start, rebuilding both indexes, and truncates the file at the
     * first batch that is torn or corrupt (bad size, bad CRC, offsets going backwards).
     *
     * @param visitor called with each valid batch, in order (to rebuild producer and epoch state)
     * @return bytes truncated
     */
    public int recover(java.util.function.Consumer<RecordBatch> visitor) throws IOException {
        offsetIndex.reset();
        timeIndex.reset();
        maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
        offsetOfMaxTimestampSoFar = baseOffset;
        int validBytes = 0;
        int lastIndexEntry = 0;
        long lastOffset = baseOffset - 1;
        try {
            for (FileChannelRecordBatch batch : log.batches()) {
                if (batch.magic() != RecordBatch.MAGIC_VALUE_V2 || !batch.isValid()
                        || batch.baseOffset() <= lastOffset || batch.lastOffset() < batch.baseOffset()) {
                    break;
                }
                if (batch.maxTimestamp() > maxTimestampSoFar) {
                    maxTimestampSoFar = batch.maxTimestamp();
                    offsetOfMaxTimestampSoFar = batch.lastOffset();
                }
                if (validBytes - lastIndexEntry > indexIntervalBytes) {
                    offsetIndex.append(batch.baseOffset(), validBytes);
                    timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar);
                    lastIndexEntry = validBytes;
                }
                if (validBytes == 0) {
                    rollingBasedTimestamp = batch.maxTimestamp();
                }
                visitor.accept(batch);
                validBytes += batch.sizeInBytes();
                lastOffset = batch.lastOffset();
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            // a torn header: stop at the last good batch
        }
        bytesSinceLastIndexEntry = validBytes - lastIndexEntry;
        int truncated = log.sizeInBytes() - validBytes;
        if (truncated > 0) {
            log.truncateTo(validBytes);
        }
        return truncated;
    }

    /** The offset after the last batch, or baseOffset if empty; scans from the last index entry. */
    public long readNextOffset() {
        OffsetIndex.Position last = offsetIndex.lastEntry();
        long next = baseOffset;
        for (FileChannelRecordBatch batch : log.batchesFrom(last.position())) {
            next = batch.nextOffset();
        }
        return next;
    }

    /** Removes everything at or after offset; returns bytes removed. */
    public int truncateTo(long offset) throws IOException {
        FileRecords.LogOffsetPosition mapping = translateOffset(offset, 0);
        offsetIndex.truncateTo(offset);
        timeIndex.truncateTo(offset);
        if (mapping == null) {
            return 0;
        }
        int removed = log.truncateTo(mapping.position);
        if (log.sizeInBytes() == 0) {
            rollingBasedTimestamp = -1L;
        }
        maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
        offsetOfMaxTimestampSoFar = baseOffset;
        loadTimestampsFromIndex();
        for (FileChannelRecordBatch batch : log.batchesFrom(offsetIndex.lookup(offset).position())) {
            if (batch.maxTimestamp() > maxTimestampSoFar) {
                maxTimestampSoFar = batch.maxTimestamp();
                offsetOfMaxTimestampSoFar = batch.lastOffset();
            }
        }
        bytesSinceLastIndexEntry = log.sizeInBytes() - offsetIndex.lastEntry().position();
        return removed;
    }

    /**
     * Seals the segment: the time index gets a final entry for the segment's greatest timestamp
     * (so time retention and ListOffsets know it after a restart even when the segment was too
     * small to reach index.interval.bytes), and both indexes shrink to their entries.
     */
    public void onBecomeInactive() throws IOException {
        timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar);
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
        log.trim();
    }

    public void flush() throws IOException {
        log.flush();
        offsetIndex.flush();
        timeIndex.flush();
    }

    /** Renames all files, e.g. to {@code .deleted} before asynchronous deletion. */
    public void changeFileSuffix(String oldSuffix, String newSuffix) throws IOException {
        log.renameTo(new File(replaceSuffix(log.file().getPath(), oldSuffix, newSuffix)));
        offsetIndex.renameTo(new File(replaceSuffix(offsetIndex.file().getPath(), oldSuffix, newSuffix)));
        timeIndex.renameTo(new File(replaceSuffix(timeIndex.file().getPath(), oldSuffix, newSuffix)));
    }

    private static String replaceSuffix(String path, String oldSuffix, String newSuffix) {
        if (!path.endsWith(oldSuffix)) {
            throw new IllegalArgumentException(path + " does not end with " + oldSuffix);
        }
        return path.substring(0, path.length() - oldSuffix.length()) + newSuffix;
    }

    public void deleteFiles() throws IOException {
        close();
        Files.deleteIfExists(log.file().toPath());
        offsetIndex.deleteIfExists();
        timeIndex.deleteIfExists();
    }

    /** Closes files in a fixed order: indexes, then the log. Idempotent. */
    @Override
    public void close() throws IOException {
        try {
            offsetIndex.close();
            timeIndex.close();
        } finally {
            log.close();
        }
    }

    @Override
    public String toString() {
        return "LogSegment(base=" + baseOffset + ", size=" + log.sizeInBytes() + ")";
    }
}
