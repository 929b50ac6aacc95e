package io.riffle.log.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.riffle.log.config.LogConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition's log: an ordered set of segments with a log start offset, a log end offset and
 * a high watermark, plus the producer state and leader epochs derived from it.
 *
 * <h2>Appends</h2>
 * A leader append validates each batch outside the lock (CRC, magic, size, timestamps), then
 * under the lock checks producer sequences, assigns offsets by rewriting the batch headers in
 * place, rolls the active segment if needed and writes the batches in one call. Nothing is
 * re-encoded: compressed batches stay compressed.
 *
 * <h2>Reads</h2>
 * Reads take no lock: they find the segment in a concurrent map and return a file slice bounded
 * by a position published (volatile) after the write completed, so a reader never sees a
 * partially written batch.
 *
 * <h2>Recovery</h2>
 * After an unclean shutdown every segment at or after the recovery point (the last offset known
 * flushed) is scanned; the first torn or corrupt batch truncates the log there. The producer
 * state is then loaded from the newest snapshot and the log after it replayed.
 *
 * <p>Thread-safety: mutations hold {@code lock}; reads are lock-free.
 */
public final class PartitionLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);
    static final String STATE_FILE = "partition.state";

    private final Path dir;
    private final TopicPartition topicPartition;
    private final Time time;
    private final ScheduledExecutorService scheduler;
    private final StorageFaults faults;
    private final Object lock = new Object();
    private final ConcurrentNavigableMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final ProducerStateTable producerState;
    private final LeaderEpochCache epochCache;
    private final AbortedTxnIndex abortedTxns;
    /** Where each open transaction's first batch lies (for read_committed bounds); keyed by first offset. */
    private final Map<Long, LogOffsetMetadata> txnStarts = new java.util.concurrent.ConcurrentHashMap<>();
    /** The first offset of the oldest open transaction and where it lies, or null if none is open. */
    private volatile LogOffsetMetadata firstUnstable;
    private volatile LogConfig config;
    private volatile long logStartOffset;
    private volatile LogOffsetMetadata logEnd;
    private volatile LogOffsetMetadata highWatermark;
    private long recoveryPoint;
    private long unflushedRecords;
    private long lastFlushMs;
    private boolean closed;

    private PartitionLog(Path dir, TopicPartition tp, LogConfig config, Time time,
                         ScheduledExecutorService scheduler, StorageFaults faults) throws IOException {
        this.dir = dir;
        this.topicPartition = tp;
        this.config = config;
        this.time = time;
        this.scheduler = scheduler;
        this.faults = faults;
        this.producerState = new ProducerStateTable(dir);
        this.epochCache = new LeaderEpochCache(dir);
        this.abortedTxns = new AbortedTxnIndex(dir);
        this.lastFlushMs = time.milliseconds();
    }

    /**
     * Opens the log in dir, creating it if needed.
     *
     * @param cleanShutdown whether the broker stopped cleanly last time (if not, segments after
     *                      the recovery point are validated and torn tails truncated)
     */
    public static PartitionLog open(Path dir, TopicPartition tp, LogConfig config, boolean cleanShutdown, Time time,
                                    ScheduledExecutorService scheduler, StorageFaults faults) throws IOException {
        Files.createDirectories(dir);
        PartitionLog partitionLog = new PartitionLog(dir, tp, config, time, scheduler, faults);
        partitionLog.load(cleanShutdown);
        return partitionLog;
    }

    // ---------------------------------------------------------------- loading and recovery

    private void load(boolean cleanShutdown) throws IOException {
        List<Long> swapped = removeTemporaryFilesAndCompleteSwaps();
        Properties state = readStateFile();
        long savedStart = Long.parseLong(state.getProperty("log.start.offset", "0"));
        recoveryPoint = Long.parseLong(state.getProperty("recovery.point", "0"));

        List<Long> bases = liveSegmentBases();
        long now = time.milliseconds();
        for (int i = 0; i < bases.size(); i++) {
            boolean last = i == bases.size() - 1;
            boolean rebuildIndexes = swapped.contains(bases.get(i));
            LogSegment segment = LogSegment.open(dir, bases.get(i), config.segmentIndexBytes(),
                    config.indexIntervalBytes(), last || rebuildIndexes, now);
            if (rebuildIndexes) {
                segment.recover(batch -> { });
                if (!last) {
                    segment.onBecomeInactive();
                }
            }
            segments.put(segment.baseOffset(), segment);
        }
        if (segments.isEmpty()) {
            segments.put(savedStart, LogSegment.open(dir, savedStart, config.segmentIndexBytes(),
                    config.indexIntervalBytes(), true, now));
        }
        if (!cleanShutdown) {
            recoverSegments();
        }
        LogSegment active = segments.lastEntry().getValue();
        long end = active.readNextOffset();
        logEnd = new LogOffsetMetadata(end, active.baseOffset(), active.size());
        logStartOffset = Math.max(savedStart, segments.firstKey());
        if (logStartOffset > end) {
            logStartOffset = end;
        }
        highWatermark = logEnd;
        if (epochCache.isEmpty() && end > segments.firstKey()) {
            rebuildEpochCache();
        }
        epochCache.truncateFromEnd(end);
        abortedTxns.truncateTo(end);
        rebuildProducerState(end);
        recoveryPoint = end;
    }

    private void recoverSegments() throws IOException {
        List<LogSegment> toRecover = new ArrayList<>(segments.tailMap(
                Optional.ofNullable(segments.floorKey(recoveryPoint)).orElse(segments.firstKey())).values());
        long expectedNext = -1;
        for (int i = 0; i < toRecover.size(); i++) {
            LogSegment segment = toRecover.get(i);
            int truncated = segment.recover(batch -> { });
            long next = segment.readNextOffset();
            if (truncated > 0) {
                log.warn("{}: recovered segment {} by truncating {} invalid bytes at its tail",
                        topicPartition, segment.baseOffset(), truncated);
                // Everything after a corrupt batch is unreachable by offset: drop later segments.
                for (LogSegment later : toRecover.subList(i + 1, toRecover.size())) {
                    log.warn("{}: deleting segment {} after the corrupt point", topicPartition, later.baseOffset());
                    segments.remove(later.baseOffset());
                    later.deleteFiles();
                }
                break;
            }
            expectedNext = next;
        }
        // The last segment must be writable (its indexes were opened read-only if it was not last).
        LogSegment active = segments.lastEntry().getValue();
        if (active != toRecover.get(toRecover.size() - 1) || expectedNext < 0) {
            reopenActive(active);
        }
    }

    private void reopenActive(LogSegment active) throws IOException {
        active.close();
        LogSegment reopened = LogSegment.open(dir, active.baseOffset(), config.segmentIndexBytes(),
                config.indexIntervalBytes(), true, time.milliseconds());
        reopened.recover(batch -> { });
        segments.put(reopened.baseOffset(), reopened);
    }

    private void rebuildEpochCache() throws IOException {
        for (LogSegment segment : segments.values()) {
            for (FileChannelRecordBatch batch : segment.records().batches()) {
                epochCache.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
            }
        }
    }

    private void rebuildProducerState(long end) throws IOException {
        long from = producerState.loadSnapshot(end);
        if (from < 0) {
            from = logStartOffset;
        }
        if (from < end) {
            Long startSegment = segments.floorKey(from);
            for (LogSegment segment : segments.tailMap(startSegment == null ? segments.firstKey() : startSegment).values()) {
                for (FileChannelRecordBatch batch : segment.records().batches()) {
                    if (batch.lastOffset() >= from) {
                        recordCompletedTxn(producerState.update(batch));
                    }
                }
            }
        }
        producerState.setMapEndOffset(end);
        txnStarts.clear();
        updateFirstUnstable();
    }

    private void recordCompletedTxn(ProducerStateTable.CompletedTxn completed) throws IOException {
        if (completed != null) {
            txnStarts.remove(completed.firstOffset());
            if (completed.aborted()) {
                abortedTxns.append(completed.producerId(), completed.firstOffset(), completed.markerOffset());
            }
        }
    }

    /** Recomputes the first unstable offset after the producer state changed. Caller holds the lock. */
    private void updateFirstUnstable() {
        long first = producerState.firstUnstableOffset();
        if (first < 0) {
            firstUnstable = null;
            return;
        }
        LogOffsetMetadata known = txnStarts.get(first);
        if (known == null) {
            Map.Entry<Long, LogSegment> seg = segments.floorEntry(first);
            FileRecords.LogOffsetPosition pos = seg == null ? null : seg.getValue().translateOffset(first, 0);
            known = pos == null ? new LogOffsetMetadata(first, -1L, -1)
                    : new LogOffsetMetadata(first, seg.getKey(), pos.position);
            txnStarts.put(first, known);
        }
        firstUnstable = known;
    }

    /**
     * Deletes leftovers of interrupted deletions and cleanings, and completes an interrupted swap.
     *
     * <p>A {@code .swap} file is a finished cleaned segment whose swap-in was interrupted (see
     * {@link #replaceSegments}). The swap is completed: every live segment whose base offset lies
     * inside the swapped segment's offset range was one of the segments it replaces and is
     * deleted, then the swap files become live. The three files are renamed one by one, so after
     * a crash a live index may belong to the replaced segment: the indexes of a swapped-in
     * segment are always rebuilt.
     *
     * @return base offsets of swapped-in segments, whose indexes must be rebuilt
     */
    private List<Long> removeTemporaryFilesAndCompleteSwaps() throws IOException {
        List<Path> swaps = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(LogSegment.DELETED_SUFFIX) || n.endsWith(LogSegment.CLEANED_SUFFIX)
                        || n.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                } else if (n.endsWith(LogSegment.SWAP_SUFFIX)) {
                    swaps.add(p);
                }
            }
        }
        java.util.TreeSet<Long> swappedBases = new java.util.TreeSet<>();
        for (Path p : swaps) {
            String n = p.getFileName().toString();
            swappedBases.add(Long.parseLong(n.substring(0, n.indexOf('.'))));
            if (!n.endsWith(LogSegment.LOG_SUFFIX + LogSegment.SWAP_SUFFIX)) {
                Files.deleteIfExists(p); // an index: rebuilt from the log below
            }
        }
        for (long base : swappedBases) {
            Path swapLog = dir.resolve(LogSegment.fileName(base, LogSegment.LOG_SUFFIX + LogSegment.SWAP_SUFFIX));
            Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, LogSegment.INDEX_SUFFIX)));
            Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, LogSegment.TIME_INDEX_SUFFIX)));
            if (!Files.exists(swapLog)) {
                continue; // the log file was already live: only its indexes may be stale
            }
            long end = nextOffsetOf(swapLog, base);
            for (long replaced : liveSegmentBases()) {
                if (replaced > base && replaced < end) {
                    log.info("{}: completing an interrupted swap: deleting replaced segment {}", topicPartition, replaced);
                    for (String suffix : List.of(LogSegment.LOG_SUFFIX, LogSegment.INDEX_SUFFIX,
                            LogSegment.TIME_INDEX_SUFFIX)) {
                        Files.deleteIfExists(dir.resolve(LogSegment.fileName(replaced, suffix)));
                    }
                }
            }
            Files.move(swapLog, dir.resolve(LogSegment.fileName(base, LogSegment.LOG_SUFFIX)),
                    StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return new ArrayList<>(swappedBases);
    }

    /** The offset after the last valid batch of a segment file (its base offset if it has none). */
    private static long nextOffsetOf(Path logFile, long base) throws IOException {
        long next = base;
        try (FileRecords records = FileRecords.open(logFile.toFile(), false)) {
            for (FileChannelRecordBatch batch : records.batches()) {
                if (!batch.isValid()) {
                    break;
                }
                next = batch.nextOffset();
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            // a torn tail ends the range
        }
        return next;
    }

    private List<Long> liveSegmentBases() throws IOException {
        List<Long> bases = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(LogSegment.LOG_SUFFIX))
                    .forEach(n -> bases.add(Long.parseLong(n.substring(0, n.length() - LogSegment.LOG_SUFFIX.length()))));
        }
        bases.sort(Long::compare);
        return bases;
    }

    private Properties readStateFile() throws IOException {
        Properties props = new Properties();
        Path file = dir.resolve(STATE_FILE);
        if (Files.exists(file)) {
            try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                props.load(in);
            }
        }
        return props;
    }

    private void writeStateFile() throws IOException {
        Properties props = new Properties();
        props.setProperty("log.start.offset", Long.toString(logStartOffset));
        props.setProperty("recovery.point", Long.toString(recoveryPoint));
        Path tmp = dir.resolve(STATE_FILE + ".tmp");
        try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            props.store(out, "partition state");
        }
        Files.move(tmp, dir.resolve(STATE_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    // ---------------------------------------------------------------- appends

    /**
     * Validates, assigns offsets to and appends a leader's records.
     *
     * @param leaderEpoch stamped on each batch
     * @return the result; errors are returned, not thrown, except for I/O failures
     */
    public AppendResult appendAsLeader(MemoryRecords records, int leaderEpoch) {
        return appendAsLeader(records, leaderEpoch, false);
    }

    /**
     * @param fromCoordinator records a coordinator writes (offsets, transaction state): their
     *                        producer sequence numbers are not checked
     */
    public AppendResult appendAsLeader(MemoryRecords records, int leaderEpoch, boolean fromCoordinator) {
        LogConfig cfg = config;
        long now = time.milliseconds();
        AppendResult invalid = RecordValidation.validate(records, cfg, now);
        if (invalid != null) {
            return invalid;
        }
        synchronized (lock) {
            if (closed) {
                return AppendResult.error(Errors.NOT_LEADER_OR_FOLLOWER, "the log is closed");
            }
            for (MutableRecordBatch batch : records.batches()) {
                ProducerStateTable.Check check = producerState.check(batch, !fromCoordinator);
                if (check instanceof ProducerStateTable.Duplicate dup) {
                    return new AppendResult(Errors.NONE, null, dup.firstOffset(), dup.lastOffset(),
                            cfg.timestampType() == TimestampType.LOG_APPEND_TIME ? dup.timestamp() : -1L,
                            logStartOffset, 0);
                }
                if (check instanceof ProducerStateTable.Reject reject) {
                    return AppendResult.error(reject.error(), reject.message());
                }
            }
            long firstOffset = logEnd.offset();
            long next = firstOffset;
            long maxTimestamp = RecordBatch.NO_TIMESTAMP;
            long offsetOfMaxTimestamp = firstOffset;
            int count = 0;
            boolean logAppendTime = cfg.timestampType() == TimestampType.LOG_APPEND_TIME;
            for (MutableRecordBatch batch : records.batches()) {
                long delta = batch.lastOffset() - batch.baseOffset();
                batch.setLastOffset(next + delta);
                batch.setPartitionLeaderEpoch(leaderEpoch);
                if (logAppendTime) {
                    batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, now);
                }
                if (batch.maxTimestamp() > maxTimestamp) {
                    maxTimestamp = batch.maxTimestamp();
                    offsetOfMaxTimestamp = batch.lastOffset();
                }
                count += (int) (delta + 1);
                next = batch.nextOffset();
            }
            long lastOffset = next - 1;
            try {
                LogSegment segment = maybeRoll(records.sizeInBytes(), lastOffset, now);
                int positionBefore = segment.size();
                try {
                    faults.beforeWrite(dir, records.sizeInBytes());
                    segment.append(lastOffset, maxTimestamp, offsetOfMaxTimestamp, records);
                } catch (IOException e) {
                    undoPartialWrite(segment, positionBefore);
                    throw e;
                }
                epochCache.assign(leaderEpoch, firstOffset);
                int position = positionBefore;
                boolean txnChanged = false;
                for (MutableRecordBatch batch : records.batches()) {
                    long openBefore = producerState.firstUnstableOffset();
                    producerState.update(batch);
                    if (batch.isTransactional()) {
                        txnStarts.putIfAbsent(batch.baseOffset(), new LogOffsetMetadata(batch.baseOffset(),
                                segment.baseOffset(), position));
                        txnChanged |= openBefore != producerState.firstUnstableOffset();
                    }
                    position += batch.sizeInBytes();
                }
                if (txnChanged) {
                    updateFirstUnstable();
                }
                logEnd = new LogOffsetMetadata(next, segment.baseOffset(), segment.size());
                unflushedRecords += count;
                if (unflushedRecords >= cfg.flushMessages()) {
                    flushLocked();
                }
            } catch (IOException e) {
                log.error("{}: append failed: {}", topicPartition, e.toString());
                return AppendResult.error(Errors.KAFKA_STORAGE_ERROR, "Disk error while appending to "
                        + topicPartition + ": " + e.getMessage());
            }
            return new AppendResult(Errors.NONE, null, firstOffset, lastOffset, logAppendTime ? now : -1L,
                    logStartOffset, count);
        }
    }

    private void undoPartialWrite(LogSegment segment, int positionBefore) {
        try {
            if (segment.size() != positionBefore || segment.records().channel().size() != positionBefore) {
                segment.records().truncateTo(positionBefore);
            }
        } catch (IOException | RuntimeException e) {
            log.error("{}: could not undo a failed write at position {}", topicPartition, positionBefore, e);
        }
    }

    /** Rolls a new active segment if the append would not fit or the active one is too old. */
    private LogSegment maybeRoll(int incomingBytes, long lastOffset, long now) throws IOException {
        LogSegment active = segments.lastEntry().getValue();
        LogConfig cfg = config;
        boolean full = active.size() > 0 && (long) active.size() + incomingBytes > cfg.segmentBytes();
        boolean old = active.size() > 0 && now - active.rollingBasedTimestamp() > cfg.segmentMs();
        boolean offsetOverflow = lastOffset - active.baseOffset() > Integer.MAX_VALUE;
        if (full || old || offsetOverflow || active.indexFull()) {
            return roll();
        }
        return active;
    }

    /** Seals the active segment and starts a new one at the log end. Caller holds the lock. */
    private LogSegment roll() throws IOException {
        LogSegment previous = segments.lastEntry().getValue();
        long newBase = logEnd.offset();
        if (previous.baseOffset() == newBase && previous.size() == 0) {
            return previous;
        }
        LogSegment segment = LogSegment.open(dir, newBase, config.segmentIndexBytes(), config.indexIntervalBytes(),
                true, time.milliseconds());
        segments.put(newBase, segment);
        previous.onBecomeInactive();
        producerState.setMapEndOffset(newBase);
        producerState.takeSnapshot();
        scheduler.execute(() -> {
            try {
                previous.flush();
            } catch (IOException e) {
                log.warn("{}: flushing rolled segment {} failed", topicPartition, previous.baseOffset(), e);
            }
        });
        return segment;
    }

    /** Rolls the active segment now, if it holds anything (used by tests and retention). */
    public void forceRoll() throws IOException {
        synchronized (lock) {
            roll();
        }
    }

    /**
     * Writes a transaction marker (commit or abort) for a producer, as the transaction coordinator
     * asks. An abort is recorded in the aborted-transaction index; either way the producer's open
     * transaction ends and the last stable offset may advance.
     */
    public AppendResult appendEndTxnMarker(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                                           int leaderEpoch) {
        synchronized (lock) {
            if (closed) {
                return AppendResult.error(Errors.NOT_LEADER_OR_FOLLOWER, "the log is closed");
            }
            ProducerStateTable.ProducerEntry entry = producerState.producers().get(producerId);
            if (entry != null && producerEpoch < entry.epoch()) {
                return AppendResult.error(Errors.INVALID_PRODUCER_EPOCH, "Marker epoch " + producerEpoch
                        + " is older than producer " + producerId + "'s epoch " + entry.epoch());
            }
            if (entry != null && coordinatorEpoch < entry.coordinatorEpoch()) {
                return AppendResult.error(Errors.TRANSACTION_COORDINATOR_FENCED, "Marker from coordinator epoch "
                        + coordinatorEpoch + " is older than " + entry.coordinatorEpoch());
            }
            long now = time.milliseconds();
            long offset = logEnd.offset();
            MemoryRecords records = MemoryRecords.withEndTransactionMarker(offset, now, leaderEpoch, producerId,
                    producerEpoch, new org.apache.kafka.common.record.internal.EndTransactionMarker(
                            commit ? org.apache.kafka.common.record.internal.ControlRecordType.COMMIT
                                    : org.apache.kafka.common.record.internal.ControlRecordType.ABORT, coordinatorEpoch));
            try {
                LogSegment segment = maybeRoll(records.sizeInBytes(), offset, now);
                int positionBefore = segment.size();
                try {
                    faults.beforeWrite(dir, records.sizeInBytes());
                    segment.append(offset, now, offset, records);
                } catch (IOException e) {
                    undoPartialWrite(segment, positionBefore);
                    throw e;
                }
                epochCache.assign(leaderEpoch, offset);
                for (MutableRecordBatch batch : records.batches()) {
                    recordCompletedTxn(producerState.update(batch));
                }
                updateFirstUnstable();
                logEnd = new LogOffsetMetadata(offset + 1, segment.baseOffset(), segment.size());
                unflushedRecords++;
            } catch (IOException e) {
                log.error("{}: writing a transaction marker failed: {}", topicPartition, e.toString());
                return AppendResult.error(Errors.KAFKA_STORAGE_ERROR, "Disk error while writing a marker to "
                        + topicPartition + ": " + e.getMessage());
            }
            return new AppendResult(Errors.NONE, null, offset, offset, -1L, logStartOffset, 1);
        }
    }

    /** The last stable offset: below it every transaction has ended. Never above the high watermark. */
    public long lastStableOffset() {
        return lastStableOffsetMetadata().offset();
    }

    public LogOffsetMetadata lastStableOffsetMetadata() {
        LogOffsetMetadata hw = highWatermark;
        LogOffsetMetadata unstable = firstUnstable;
        if (unstable == null || unstable.offset() >= hw.offset()) {
            return hw;
        }
        if (unstable.segmentBaseOffset() < 0) {
            return new LogOffsetMetadata(unstable.offset(), hw.segmentBaseOffset(), hw.position());
        }
        return unstable;
    }

    /** Aborted transactions overlapping [from, to), for a read_committed fetch. */
    public List<AbortedTxnIndex.Entry> abortedTransactions(long from, long to) {
        return abortedTxns.overlapping(from, to);
    }

    // ---------------------------------------------------------------- reads

    /**
     * Reads records from startOffset.
     *
     * @param maxOffset exclusive upper bound: the high watermark for consumers, the log end for replicas
     * @param minOneBatch return the first batch whole even if larger than maxBytes
     * @throws OffsetOutOfRangeException if startOffset is below the log start or above the log end
     */
    public FetchData read(long startOffset, int maxBytes, LogOffsetMetadata maxOffset, boolean minOneBatch) {
        LogOffsetMetadata end = logEnd;
        long start = logStartOffset;
        if (startOffset > end.offset() || startOffset < start) {
            throw new OffsetOutOfRangeException("Offset " + startOffset + " is out of range for " + topicPartition
                    + ": [" + start + ", " + end.offset() + "]");
        }
        if (startOffset >= maxOffset.offset()) {
            return FetchData.empty(new LogOffsetMetadata(startOffset, -1L, -1));
        }
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(startOffset);
        while (entry != null) {
            LogSegment segment = entry.getValue();
            long maxPosition;
            if (segment.baseOffset() == maxOffset.segmentBaseOffset()) {
                maxPosition = maxOffset.position();
            } else if (segment.baseOffset() > maxOffset.segmentBaseOffset()) {
                break;
            } else {
                maxPosition = segment.size();
            }
            Optional<FetchData> data = segment.read(startOffset, maxBytes, maxPosition, minOneBatch);
            if (data.isPresent()) {
                return data.get();
            }
            entry = segments.higherEntry(entry.getKey());
        }
        return FetchData.empty(new LogOffsetMetadata(startOffset, -1L, -1));
    }

    // ---------------------------------------------------------------- offsets

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEnd.offset();
    }

    public LogOffsetMetadata logEndMetadata() {
        return logEnd;
    }

    public LogOffsetMetadata highWatermarkMetadata() {
        return highWatermark;
    }

    public long highWatermark() {
        return highWatermark.offset();
    }

    /** Moves the high watermark (never past the log end, never backwards except on truncation). */
    public void updateHighWatermark(LogOffsetMetadata hw) {
        LogOffsetMetadata end = logEnd;
        highWatermark = hw.offset() >= end.offset() ? end : hw;
    }

    /** On a single-replica ISR: the high watermark is the log end. */
    public void highWatermarkToLogEnd() {
        highWatermark = logEnd;
    }

    /** The first offset whose record has a timestamp ≥ ts, and that timestamp; empty if none. */
    public Optional<FileRecords.TimestampAndOffset> offsetForTimestamp(long timestamp) throws IOException {
        long hw = highWatermark();
        for (LogSegment segment : segments.values()) {
            if (segment.maxTimestampSoFar() >= timestamp || segment.largestTimestamp() >= timestamp) {
                Optional<FileRecords.TimestampAndOffset> found = segment.findOffsetByTimestamp(timestamp, logStartOffset);
                if (found.isPresent() && found.get().offset < hw) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /** The offset and timestamp of the record with the greatest timestamp, if any. */
    public Optional<FileRecords.TimestampAndOffset> offsetOfMaxTimestamp() {
        long best = RecordBatch.NO_TIMESTAMP;
        long offset = -1;
        for (LogSegment segment : segments.values()) {
            if (segment.maxTimestampSoFar() > best) {
                best = segment.maxTimestampSoFar();
                offset = segment.offsetOfMaxTimestampSoFar();
            }
        }
        if (offset < 0) {
            return Optional.empty();
        }
        // The indexes track the last offset of the batch; find the exact record by scanning the batch.
        LogSegment segment = segments.floorEntry(offset).getValue();
        FileRecords.LogOffsetPosition pos = segment.translateOffset(offset, 0);
        if (pos != null) {
            for (FileChannelRecordBatch batch : segment.records().batchesFrom(pos.position)) {
                if (batch.maxTimestamp() == best) {
                    for (Record r : batch) {
                        if (r.timestamp() == best || batch.timestampType() == TimestampType.LOG_APPEND_TIME) {
                            return Optional.of(new FileRecords.TimestampAndOffset(best, r.offset(),
                                    Optional.of(batch.partitionLeaderEpoch())));
                        }
                    }
                }
                break;
            }
        }
        return Optional.of(new FileRecords.TimestampAndOffset(best, offset, Optional.empty()));
    }

    public LeaderEpochCache epochCache() {
        return epochCache;
    }

    // ---------------------------------------------------------------- retention and deletion

    /**
     * Raises the log start offset (DeleteRecords); segments wholly below it go at the next retention pass.
     *
     * @return the new log start offset
     */
    public long deleteRecordsBefore(long offset) throws IOException {
        synchronized (lock) {
            if (offset > highWatermark()) {
                throw new OffsetOutOfRangeException("Cannot delete records before " + offset + " in " + topicPartition
                        + ": it is above the high watermark " + highWatermark());
            }
            if (offset > logStartOffset) {
                logStartOffset = offset;
                epochCache.truncateFromStart(offset);
                writeStateFile();
                deleteSegmentsBelowLogStart();
            }
            return logStartOffset;
        }
    }

    /**
     * One retention pass: deletes segments older than retention.ms, beyond retention.bytes, or
     * wholly below the log start offset.
     *
     * @return segments deleted
     */
    public int deleteOldSegments() throws IOException {
        synchronized (lock) {
            int deleted = deleteSegmentsBelowLogStart();
            LogConfig cfg = config;
            if (!cfg.delete()) {
                return deleted;
            }
            long now = time.milliseconds();
            if (cfg.retentionMs() >= 0) {
                deleted += deleteSegmentsWhile(s -> {
                    try {
                        return now - s.largestTimestamp() > cfg.retentionMs();
                    } catch (IOException e) {
                        return false;
                    }
                });
            }
            if (cfg.retentionBytes() >= 0) {
                long[] excess = {size() - cfg.retentionBytes()};
                deleted += deleteSegmentsWhile(s -> {
                    if (excess[0] >= s.size()) {
                        excess[0] -= s.size();
                        return true;
                    }
                    return false;
                });
            }
            return deleted;
        }
    }

    private int deleteSegmentsBelowLogStart() throws IOException {
        return deleteSegmentsWhile(s -> {
            Long nextBase = segments.higherKey(s.baseOffset());
            long segmentEnd = nextBase != null ? nextBase : logEnd.offset();
            return segmentEnd <= logStartOffset && nextBase != null;
        });
    }

    /** Deletes the oldest segments while the predicate holds; the active segment is rolled first if it must go. */
    private int deleteSegmentsWhile(java.util.function.Predicate<LogSegment> deletable) throws IOException {
        int deleted = 0;
        while (!segments.isEmpty()) {
            LogSegment oldest = segments.firstEntry().getValue();
            if (!deletable.test(oldest)) {
                break;
            }
            if (oldest == segments.lastEntry().getValue()) {
                if (oldest.size() == 0) {
                    break;
                }
                roll();
            }
            segments.remove(oldest.baseOffset());
            long newStart = segments.firstKey();
            if (newStart > logStartOffset) {
                logStartOffset = newStart;
                epochCache.truncateFromStart(newStart);
            }
            asyncDelete(oldest);
            deleted++;
        }
        if (deleted > 0) {
            writeStateFile();
            producerState.deleteSnapshotsOutside(logStartOffset, Long.MAX_VALUE);
            abortedTxns.pruneBelow(logStartOffset);
        }
        return deleted;
    }

    private void asyncDelete(LogSegment segment) throws IOException {
        segment.changeFileSuffix("", LogSegment.DELETED_SUFFIX);
        long delay = config.fileDeleteDelayMs();
        scheduler.schedule(() -> {
            try {
                segment.deleteFiles();
            } catch (IOException e) {
                log.warn("{}: could not delete segment files of {}", topicPartition, segment.baseOffset(), e);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** Total bytes in all segments. */
    public long size() {
        long total = 0;
        for (LogSegment s : segments.values()) {
            total += s.size();
        }
        return total;
    }

    public Collection<LogSegment> segments() {
        return segments.values();
    }

    /** The segments eligible for cleaning: all but the active one. */
    public List<LogSegment> inactiveSegments() {
        List<LogSegment> all = new ArrayList<>(segments.values());
        return all.subList(0, Math.max(0, all.size() - 1));
    }

    /**
     * Replaces old segments by one cleaned segment (the log cleaner's swap). The cleaned segment
     * was written to {@code <base>.log.cleaned}; it is renamed to {@code .swap}, old segments are
     * renamed to {@code .deleted} (deleted after file.delete.delay.ms), then the swap files become
     * the live segment, so a crash at any point recovers to either the old or the new segments
     * (see {@link #removeTemporaryFilesAndCompleteSwaps}).
     *
     * <p>The old segment with the cleaned segment's base offset has its files replaced by rename,
     * not deleted; its open channel and mappings still point at the old files, which a fetch may
     * be sending from, so it is closed only after file.delete.delay.ms.
     *
     * @return false if the log changed under the cleaner (truncation, deletion, close) and the
     *         cleaned segment was discarded
     */
    public boolean replaceSegments(LogSegment cleaned, List<LogSegment> old) throws IOException {
        synchronized (lock) {
            boolean current = !closed;
            for (LogSegment s : old) {
                current &= segments.get(s.baseOffset()) == s && s != segments.lastEntry().getValue();
            }
            if (!current) {
                cleaned.deleteFiles();
                return false;
            }
            cleaned.changeFileSuffix(LogSegment.CLEANED_SUFFIX, LogSegment.SWAP_SUFFIX);
            for (LogSegment s : old) {
                segments.remove(s.baseOffset());
                if (s.baseOffset() != cleaned.baseOffset()) {
                    asyncDelete(s);
                } else {
                    asyncClose(s);
                }
            }
            cleaned.changeFileSuffix(LogSegment.SWAP_SUFFIX, "");
            segments.put(cleaned.baseOffset(), cleaned);
            return true;
        }
    }

    /** Closes a segment whose files were replaced by rename, once readers are done with it. */
    private void asyncClose(LogSegment segment) {
        scheduler.schedule(() -> {
            try {
                segment.close();
            } catch (IOException e) {
                log.warn("{}: could not close replaced segment {}", topicPartition, segment.baseOffset(), e);
            }
        }, config.fileDeleteDelayMs(), TimeUnit.MILLISECONDS);
    }

    public Object lock() {
        return lock;
    }

    public Path dir() {
        return dir;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public LogConfig config() {
        return config;
    }

    public void updateConfig(LogConfig newConfig) {
        this.config = newConfig;
    }

    public Time time() {
        return time;
    }

    public ProducerStateTable producerState() {
        return producerState;
    }

    // ---------------------------------------------------------------- flush, truncation, close

    /** Flushes if flush.ms has passed since the last flush (the flush scheduler calls this). */
    public void maybeFlushOnTime() throws IOException {
        synchronized (lock) {
            if (unflushedRecords > 0 && time.milliseconds() - lastFlushMs >= config.flushMs()) {
                flushLocked();
            }
        }
    }

    public void flush() throws IOException {
        synchronized (lock) {
            flushLocked();
        }
    }

    private void flushLocked() throws IOException {
        for (LogSegment s : segments.tailMap(Optional.ofNullable(segments.floorKey(recoveryPoint))
                .orElse(segments.firstKey())).values()) {
            s.flush();
        }
        recoveryPoint = logEnd.offset();
        unflushedRecords = 0;
        lastFlushMs = time.milliseconds();
        writeStateFile();
    }

    /** Removes everything at or after offset (a follower diverged from its leader). */
    public void truncateTo(long offset) throws IOException {
        synchronized (lock) {
            if (offset >= logEnd.offset()) {
                return;
            }
            for (LogSegment s : new ArrayList<>(segments.tailMap(offset, false).values())) {
                if (s.baseOffset() > offset || (s.baseOffset() == offset && s != segments.firstEntry().getValue())) {
                    segments.remove(s.baseOffset());
                    s.deleteFiles();
                }
            }
            LogSegment active = segments.lastEntry().getValue();
            active.truncateTo(offset);
            logEnd = new LogOffsetMetadata(offset, active.baseOffset(), active.size());
            if (highWatermark.offset() > offset) {
                highWatermark = logEnd;
            }
            epochCache.truncateFromEnd(offset);
            abortedTxns.truncateTo(offset);
            producerState.deleteSnapshotsOutside(0, offset);
            rebuildProducerState(offset);
            recoveryPoint = Math.min(recoveryPoint, offset);
            writeStateFile();
        }
    }

    /** Flushes everything, writes a producer snapshot and closes files. Idempotent. */
    @Override
    public void close() throws IOException {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                flushLocked();
                producerState.setMapEndOffset(logEnd.offset());
                producerState.takeSnapshot();
                LogSegment active = segments.lastEntry().getValue();
                active.onBecomeInactive();
                abortedTxns.flush();
            } finally {
                abortedTxns.close();
                for (LogSegment s : segments.values()) {
                    try {
                        s.close();
                    } catch (IOException e) {
                        log.warn("{}: closing segment {} failed", topicPartition, s.baseOffset(), e);
                    }
                }
            }
        }
    }

    /** Closes without flushing and removes the whole directory (topic deleted). */
    public void deleteAll() throws IOException {
        synchronized (lock) {
            closed = true;
            abortedTxns.close();
            for (LogSegment s : segments.values()) {
                s.close();
            }
            segments.clear();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String toString() {
        return "PartitionLog(" + topicPartition + ", start=" + logStartOffset + ", end=" + logEnd.offset() + ")";
    }
}
