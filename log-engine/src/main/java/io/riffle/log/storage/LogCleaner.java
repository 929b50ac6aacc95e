package io.riffle.log.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.riffle.log.config.LogConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts logs whose cleanup.policy includes {@code compact}: keeps, for every key, only the
 * latest record, and removes tombstones once they have been kept long enough.
 *
 * <h2>How a log is cleaned (Kafka's algorithm)</h2>
 * A compacted log has a <em>clean</em> head — everything below its cleaner checkpoint, already
 * compacted — and a <em>dirty</em> tail after it. Only inactive segments are cleanable, and of
 * those only the ones that are below the high watermark and whose newest record is older than
 * {@code min.compaction.lag.ms}; the first offset that fails one of these tests is the
 * <em>first uncleanable offset</em>. A log is picked when its dirty ratio — the bytes of the
 * cleanable dirty segments over the bytes of all cleanable segments — reaches
 * {@code min.cleanable.dirty.ratio} (or when a tombstone it holds has reached its delete
 * horizon), dirtiest log first.
 *
 * <p>Cleaning one log is two passes:
 * <ol>
 *   <li><b>Offset map.</b> The dirty cleanable segments are read once to build key → greatest
 *       offset. The map is bounded ({@code maxMapBytes}, counting key bytes plus overhead); when
 *       full it stops at a segment boundary and this round cleans only up to there. The clean
 *       head is never read for the map: its keys were already deduplicated.</li>
 *   <li><b>Rewrite.</b> Every segment from the log start up to the map's end is copied, in groups
 *       whose total size fits {@code segment.bytes}, into one new segment per group
 *       ({@code <base>.log.cleaned}). A record is kept when it is the latest for its key (its
 *       offset ≥ the map's offset for that key, or its key is not in the map). Batches are
 *       filtered by kafka-clients' {@link MemoryRecords#filterTo}, which keeps a batch byte-for-
 *       byte when nothing in it is removed and otherwise rebuilds it with the same offsets,
 *       producer id, epoch, base sequence, timestamps and compression. The new segment replaces
 *       the group by {@link PartitionLog#replaceSegments} (cleaned → swap → live, crash-safe),
 *       and the checkpoint moves to the map's end ({@code cleaner-offset-checkpoint} in the
 *       partition directory).</li>
 * </ol>
 * Offsets never change: a compacted log has gaps, which reads skip (a read at an offset in a gap
 * returns the next batch).
 *
 * <h2>Tombstones</h2>
 * Kafka's rule, through the batch header: when a batch holding a tombstone (a record with a null
 * value) is first rewritten by the cleaner, {@code filterTo} stamps the batch with a delete
 * horizon of now + {@code delete.retention.ms}; a later cleaning at or after that horizon drops the
 * tombstone. So a consumer that reads from the start within delete.retention.ms of a tombstone's
 * first cleaning sees the deletion. The earliest pending horizon of each log is remembered so the
 * background thread cleans the log again once it passes, even if nothing new is dirty.
 *
 * <h2>Producer state, transactions</h2>
 * The last batch of each idempotent producer is kept, emptied of records if they are all
 * superseded ({@code BatchRetention.RETAIN_EMPTY}), so rebuilding producer state from the log after
 * a loss of snapshots still finds each producer's epoch and last sequence. Riffle's log does not
 * track transactions yet, so transactional batches and control batches are kept as written and
 * their keys are left out of the offset map (an aborted record must not supersede a committed
 * one); this over-retains, never loses. Records without a key are dropped, as Kafka does.
 *
 * <p>Thread-safety: one cleaner thread; {@link #cleanLog} may also be called by tests from any
 * thread, and calls are serialised on this object. The cleaner reads inactive segments without
 * the log's lock (they are immutable) and takes it only to read producer state and to swap.
 */
public final class LogCleaner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);
    public static final String CHECKPOINT_FILE = "cleaner-offset-checkpoint";
    /** Per-key overhead counted against the map's budget (object headers, boxed offset, table slot). */
    private static final int MAP_ENTRY_OVERHEAD = 64;
    private static final int INITIAL_READ_BUFFER = 64 * 1024;

    private final Supplier<Collection<PartitionLog>> logs;
    private final long backoffMs;
    private final long maxMapBytes;
    private final Map<TopicPartition, Long> pendingDeleteHorizons = new ConcurrentHashMap<>();
    private final Object wakeup = new Object();
    private volatile boolean running;
    private Thread thread;

    /** What one cleaning did. */
    public record CleanResult(long firstDirtyOffset, long endOffset, long bytesRead, long bytesWritten,
                              int recordsRead, int recordsRetained) {
        static final CleanResult NOTHING = new CleanResult(-1, -1, 0, 0, 0, 0);
    }

    /** A log's cleanable range, as the picker sees it. */
    record Cleanable(PartitionLog log, long firstDirtyOffset, long firstUncleanableOffset, long cleanBytes,
                     long dirtyBytes) {
        double dirtyRatio() {
            long total = cleanBytes + dirtyBytes;
            return total == 0 ? 0.0 : (double) dirtyBytes / total;
        }
    }

    /**
     * @param logs        the logs to consider (compacted ones are picked)
     * @param backoffMs   how long the thread waits when no log needs cleaning
     * @param maxMapBytes budget of the key → offset map for one cleaning
     */
    public LogCleaner(Supplier<Collection<PartitionLog>> logs, long backoffMs, long maxMapBytes) {
        this.logs = logs;
        this.backoffMs = backoffMs;
        this.maxMapBytes = maxMapBytes;
    }

    /** Starts the background thread. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "riffle-log-cleaner");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            boolean cleaned = false;
            try {
                cleaned = cleanDirtiestLog();
            } catch (RuntimeException e) {
                log.warn("Log cleaner pass failed", e);
            }
            if (!cleaned) {
                synchronized (wakeup) {
                    if (running) {
                        try {
                            wakeup.wait(backoffMs);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }
            }
        }
    }

    /**
     * Cleans the dirtiest log whose dirty ratio reaches its min.cleanable.dirty.ratio (or whose
     * tombstones have reached their delete horizon).
     *
     * @return whether a log was cleaned
     */
    public boolean cleanDirtiestLog() {
        Cleanable best = null;
        for (PartitionLog partitionLog : logs.get()) {
            LogConfig cfg = partitionLog.config();
            if (!cfg.compact()) {
                continue;
            }
            try {
                Cleanable c = cleanableRange(partitionLog);
                boolean horizonPassed = pendingDeleteHorizons.getOrDefault(partitionLog.topicPartition(), Long.MAX_VALUE)
                        <= partitionLog.time().milliseconds();
                boolean eligible = c.firstUncleanableOffset() > c.firstDirtyOffset() && c.dirtyBytes() > 0
                        && c.dirtyRatio() >= cfg.minCleanableDirtyRatio();
                if ((eligible || horizonPassed) && (best == null || c.dirtyRatio() > best.dirtyRatio())) {
                    best = c;
                }
            } catch (IOException | RuntimeException e) {
                log.warn("{}: could not measure the log for cleaning", partitionLog.topicPartition(), e);
            }
        }
        if (best == null) {
            return false;
        }
        try {
            cleanLog(best.log());
            return true;
        } catch (IOException | RuntimeException e) {
            log.warn("{}: cleaning failed; will retry", best.log().topicPartition(), e);
            return false;
        }
    }

    /** The cleaner checkpoint of a log: the offset below which it is clean (its log start if none). */
    public static long readCheckpoint(PartitionLog partitionLog) throws IOException {
        Path file = partitionLog.dir().resolve(CHECKPOINT_FILE);
        long start = partitionLog.logStartOffset();
        if (!Files.exists(file)) {
            return start;
        }
        try {
            long offset = Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim());
            // Below the log start (retention moved past it) or beyond the end (truncation): start over.
            return offset < start || offset > partitionLog.logEndOffset() ? start : offset;
        } catch (NumberFormatException e) {
            return start;
        }
    }

    private static void writeCheckpoint(PartitionLog partitionLog, long offset) throws IOException {
        Path file = partitionLog.dir().resolve(CHECKPOINT_FILE);
        Path tmp = partitionLog.dir().resolve(CHECKPOINT_FILE + ".tmp");
        Files.writeString(tmp, Long.toString(offset) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Measures which part of a log may be cleaned now. */
    Cleanable cleanableRange(PartitionLog partitionLog) throws IOException {
        LogConfig cfg = partitionLog.config();
        long now = partitionLog.time().milliseconds();
        long firstDirty = readCheckpoint(partitionLog);
        List<LogSegment> inactive = partitionLog.inactiveSegments();
        long firstUncleanable = inactive.isEmpty() ? firstDirty
                : Math.min(partitionLog.highWatermark(), nextBase(partitionLog, inactive.get(inactive.size() - 1)));
        for (LogSegment s : inactive) {
            if (cfg.minCompactionLagMs() > 0 && now - s.largestTimestamp() < cfg.minCompactionLagMs()) {
                firstUncleanable = Math.min(firstUncleanable, s.baseOffset());
                break;
            }
        }
        long clean = 0;
        long dirty = 0;
        for (LogSegment s : inactive) {
            if (nextBase(partitionLog, s) > firstUncleanable) {
                break;
            }
            if (s.baseOffset() < firstDirty) {
                clean += s.size();
            } else {
                dirty += s.size();
            }
        }
        return new Cleanable(partitionLog, firstDirty, firstUncleanable, clean, dirty);
    }

    private static long nextBase(PartitionLog partitionLog, LogSegment s) {
        for (LogSegment other : partitionLog.segments()) {
            if (other.baseOffset() > s.baseOffset()) {
                return other.baseOffset();
            }
        }
        return partitionLog.logEndOffset();
    }

    /**
     * Cleans one log now, whatever its dirty ratio (the background thread's unit of work, and the
     * hook tests use instead of waiting for the thread).
     */
    public synchronized CleanResult cleanLog(PartitionLog partitionLog) throws IOException {
        Cleanable range = cleanableRange(partitionLog);
        TopicPartition tp = partitionLog.topicPartition();
        OffsetMap map = buildOffsetMap(partitionLog, range.firstDirtyOffset(), range.firstUncleanableOffset());
        long end = map.endOffset();
        if (end <= partitionLog.logStartOffset()) {
            return CleanResult.NOTHING;
        }
        LogConfig cfg = partitionLog.config();
        long now = partitionLog.time().milliseconds();
        Map<Long, Long> lastBatchOfProducer = new HashMap<>();
        synchronized (partitionLog.lock()) {
            partitionLog.producerState().producers().forEach((pid, entry) -> {
                if (!entry.batches.isEmpty()) {
                    lastBatchOfProducer.put(pid, entry.batches.peekLast().lastOffset());
                }
            });
        }
        Filter filter = new Filter(now, cfg.deleteRetentionMs(), map, lastBatchOfProducer);
        List<List<LogSegment>> groups = groupSegments(partitionLog, end, cfg.segmentBytes());
        long bytesRead = 0;
        long bytesWritten = 0;
        for (List<LogSegment> group : groups) {
            LogSegment cleaned = cleanInto(partitionLog, group, filter, cfg, now);
            long written = cleaned.size();
            if (!partitionLog.replaceSegments(cleaned, group)) {
                log.info("{}: the log changed while it was being cleaned; cleaning again later", tp);
                return CleanResult.NOTHING;
            }
            for (LogSegment s : group) {
                bytesRead += s.size();
            }
            bytesWritten += written;
        }
        writeCheckpoint(partitionLog, end);
        if (filter.earliestDeleteHorizon < Long.MAX_VALUE) {
            pendingDeleteHorizons.put(tp, filter.earliestDeleteHorizon);
        } else {
            pendingDeleteHorizons.remove(tp);
        }
        log.info("{}: cleaned offsets [{}, {}): {} bytes → {} bytes, {} of {} records kept", tp,
                partitionLog.logStartOffset(), end, bytesRead, bytesWritten, filter.retained, filter.read);
        return new CleanResult(range.firstDirtyOffset(), end, bytesRead, bytesWritten, filter.read, filter.retained);
    }

    /** Key → latest offset over the dirty cleanable segments, stopping at a segment boundary when full. */
    private OffsetMap buildOffsetMap(PartitionLog partitionLog, long firstDirty, long firstUncleanable) {
        OffsetMap map = new OffsetMap(firstDirty);
        for (LogSegment segment : partitionLog.inactiveSegments()) {
            long segmentEnd = nextBase(partitionLog, segment);
            if (segmentEnd <= firstDirty) {
                continue;
            }
            if (segmentEnd > firstUncleanable) {
                break;
            }
            Map<ByteBuffer, Long> segmentKeys = new HashMap<>();
            long segmentBytes = 0;
            for (FileChannelRecordBatch batch : segment.records().batches()) {
                if (batch.isControlBatch() || batch.isTransactional() || batch.lastOffset() < firstDirty) {
                    continue;
                }
                try (CloseableIterator<Record> records = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
                    while (records.hasNext()) {
                        Record r = records.next();
                        if (r.hasKey() && r.offset() >= firstDirty) {
                            ByteBuffer key = copy(r.key());
                            if (segmentKeys.put(key, r.offset()) == null && !map.offsets.containsKey(key)) {
                                segmentBytes += key.remaining() + MAP_ENTRY_OVERHEAD;
                            }
                        }
                    }
                }
            }
            if (map.bytes + segmentBytes > maxMapBytes && map.endOffset > firstDirty) {
                break; // full: clean up to the previous segment this round
            }
            map.offsets.putAll(segmentKeys);
            map.bytes += segmentBytes;
            map.endOffset = segmentEnd;
        }
        return map;
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.duplicate()).flip();
        return c;
    }

    /** Consecutive segments below end, each group's total size within segment.bytes. */
    private static List<List<LogSegment>> groupSegments(PartitionLog partitionLog, long end, int maxBytes) {
        List<List<LogSegment>> groups = new ArrayList<>();
        List<LogSegment> current = new ArrayList<>();
        long currentBytes = 0;
        for (LogSegment s : partitionLog.inactiveSegments()) {
            long segmentEnd = nextBase(partitionLog, s);
            if (segmentEnd > end) {
                break;
            }
            boolean fits = current.isEmpty() || (currentBytes + s.size() <= maxBytes
                    && segmentEnd - 1 - current.get(0).baseOffset() <= Integer.MAX_VALUE);
            if (!fits) {
                groups.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(s);
            currentBytes += s.size();
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    /** Copies the group's retained records into a new {@code .cleaned} segment at the group's base offset. */
    private LogSegment cleanInto(PartitionLog partitionLog, List<LogSegment> group, Filter filter, LogConfig cfg,
                                 long now) throws IOException {
        Path dir = partitionLog.dir();
        long base = group.get(0).baseOffset();
        for (String suffix : List.of(LogSegment.LOG_SUFFIX, LogSegment.INDEX_SUFFIX, LogSegment.TIME_INDEX_SUFFIX)) {
            Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, suffix + LogSegment.CLEANED_SUFFIX)));
        }
        LogSegment cleaned = LogSegment.open(dir, base, LogSegment.CLEANED_SUFFIX, cfg.segmentIndexBytes(),
                cfg.indexIntervalBytes(), true, now);
        try {
            ByteBuffer readBuffer = ByteBuffer.allocate(INITIAL_READ_BUFFER);
            ByteBuffer writeBuffer = ByteBuffer.allocate(INITIAL_READ_BUFFER);
            for (LogSegment source : group) {
                int position = 0;
                while (position < source.size()) {
                    readBuffer.clear();
                    readBuffer.limit(Math.min(readBuffer.capacity(), source.size() - position));
                    source.records().readInto(readBuffer, position);
                    MemoryRecords records = MemoryRecords.readableRecords(readBuffer);
                    writeBuffer.clear();
                    MemoryRecords.FilterResult result = records.filterTo(filter, writeBuffer, BufferSupplier.NO_CACHING);
                    if (result.bytesRead() == 0) {
                        // The next batch is larger than the buffer: grow to fit it.
                        int needed = Math.max(readBuffer.capacity() * 2, nextBatchSize(source, position));
                        readBuffer = ByteBuffer.allocate(needed);
                        writeBuffer = ByteBuffer.allocate(needed);
                        continue;
                    }
                    position += result.bytesRead();
                    ByteBuffer output = result.outputBuffer();
                    output.flip();
                    writeBuffer = output.capacity() > writeBuffer.capacity() ? ByteBuffer.allocate(output.capacity())
                            : writeBuffer;
                    appendRetained(cleaned, MemoryRecords.readableRecords(output));
                }
            }
            cleaned.flush();
            cleaned.onBecomeInactive();
            return cleaned;
        } catch (IOException | RuntimeException e) {
            cleaned.deleteFiles();
            throw e;
        }
    }

    private static int nextBatchSize(LogSegment source, int position) {
        for (FileChannelRecordBatch batch : source.records().batchesFrom(position)) {
            return batch.sizeInBytes();
        }
        throw new IllegalStateException("no batch at position " + position + " of " + source);
    }

    private static void appendRetained(LogSegment cleaned, MemoryRecords retained) throws IOException {
        if (retained.sizeInBytes() == 0) {
            return;
        }
        long largestOffset = -1;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        long offsetOfMaxTimestamp = -1;
        for (MutableRecordBatch batch : retained.batches()) {
            largestOffset = batch.lastOffset();
            if (batch.maxTimestamp() > maxTimestamp) {
                maxTimestamp = batch.maxTimestamp();
                offsetOfMaxTimestamp = batch.lastOffset();
            }
        }
        cleaned.append(largestOffset, maxTimestamp, offsetOfMaxTimestamp < 0 ? largestOffset : offsetOfMaxTimestamp,
                retained);
    }

    /** Wakes the background thread for a pass now (e.g. after a topic became compacted). */
    public void wakeUp() {
        synchronized (wakeup) {
            wakeup.notifyAll();
        }
    }

    /** Stops the background thread and waits for it. Idempotent. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
            thread = null;
        }
        wakeUp();
        if (t != null) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Key → greatest offset over [firstDirty, endOffset). */
    private static final class OffsetMap {
        final Map<ByteBuffer, Long> offsets = new HashMap<>();
        long endOffset;
        long bytes;

        OffsetMap(long firstDirty) {
            this.endOffset = firstDirty;
        }

        long endOffset() {
            return endOffset;
        }

        Optional<Long> latest(ByteBuffer key) {
            return Optional.ofNullable(offsets.get(key));
        }
    }

    /** Decides which batches and records survive; counts what it saw. Used by one cleaning only. */
    private static final class Filter extends MemoryRecords.RecordFilter {
        private final OffsetMap map;
        private final Map<Long, Long> lastBatchOfProducer;
        int read;
        int retained;
        long earliestDeleteHorizon = Long.MAX_VALUE;

        Filter(long now, long deleteRetentionMs, OffsetMap map, Map<Long, Long> lastBatchOfProducer) {
            super(now, deleteRetentionMs);
            this.map = map;
            this.lastBatchOfProducer = lastBatchOfProducer;
        }

        @Override
        protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
            if (batch.isControlBatch() || batch.isTransactional()) {
                return new BatchRetentionResult(BatchRetention.RETAIN_EMPTY, false);
            }
            boolean lastOfProducer = batch.hasProducerId()
                    && Long.valueOf(batch.lastOffset()).equals(lastBatchOfProducer.get(batch.producerId()));
            return new BatchRetentionResult(lastOfProducer ? BatchRetention.RETAIN_EMPTY : BatchRetention.DELETE_EMPTY,
                    false);
        }

        @Override
        protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
            read++;
            boolean keep = decide(batch, record);
            if (keep) {
                retained++;
                if (!record.hasValue()) {
                    long horizon = batch.deleteHorizonMs().orElse(currentTime + deleteRetentionMs);
                    earliestDeleteHorizon = Math.min(earliestDeleteHorizon, horizon);
                }
            }
            return keep;
        }

        private boolean decide(RecordBatch batch, Record record) {
            if (batch.isControlBatch() || batch.isTransactional()) {
                return true;
            }
            if (!record.hasKey()) {
                return false;
            }
            Optional<Long> latest = map.latest(record.key());
            if (latest.isPresent() && record.offset() < latest.get()) {
                return false; // superseded by a newer record with the same key
            }
            if (!record.hasValue()) {
                // A tombstone goes once its batch's delete horizon (stamped at its first cleaning) has passed.
                return batch.deleteHorizonMs().isEmpty() || currentTime < batch.deleteHorizonMs().getAsLong();
            }
            return true;
        }
    }
}
