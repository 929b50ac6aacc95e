package io.riffle.log.storage;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Per-partition state of idempotent producers: for each producer id, its epoch and the
 * metadata of its last five batches, so a retried batch is recognised and answered with its
 * original offsets, a gap in sequence numbers is refused, and a stale epoch is fenced.
 *
 * <p>Snapshots ({@code <offset>.snapshot}, the state as of that log offset) are written when a
 * segment rolls and on clean shutdown; on start-up the newest snapshot at or below the log end
 * is loaded and the log after it replayed. With no snapshot the whole log is replayed.
 *
 * <p>Not thread-safe: owned by the partition log and used under its lock.
 */
public final class ProducerStateTable {
    public static final String SNAPSHOT_SUFFIX = ".snapshot";
    static final int MAX_BATCHES_PER_PRODUCER = 5;
    private static final int SNAPSHOT_VERSION = 2;

    /** Sequence range and offsets of one appended batch. */
    public record BatchMetadata(int firstSeq, int lastSeq, long lastOffset, long timestamp) {
        long firstOffset() {
            return lastOffset - (lastSeq - firstSeq);
        }
    }

    /** One producer's state. */
    public static final class ProducerEntry {
        short epoch;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>();
        long lastTimestamp;
        long currentTxnFirstOffset = -1L;
        int coordinatorEpoch = -1;

        /** The first offset of this producer's open transaction, or -1. */
        public long currentTxnFirstOffset() {
            return currentTxnFirstOffset;
        }

        public int coordinatorEpoch() {
            return coordinatorEpoch;
        }

        public long lastTimestamp() {
            return lastTimestamp;
        }

        public short epoch() {
            return epoch;
        }

        public int lastSequence() {
            return batches.isEmpty() ? RecordBatch.NO_SEQUENCE : batches.peekLast().lastSeq();
        }

        public List<BatchMetadata> batches() {
            return List.copyOf(batches);
        }
    }

    /** What the check of an incoming batch decided. */
    public sealed interface Check {
    }

    /** Append the batch. */
    public record Accept() implements Check {
    }

    /** Already appended: answer with these offsets and append nothing. */
    public record Duplicate(long firstOffset, long lastOffset, long timestamp) implements Check {
    }

    /** Refuse the batch with this Kafka error. */
    public record Reject(org.apache.kafka.common.protocol.Errors error, String message) implements Check {
    }

    private static final Accept ACCEPT = new Accept();

    /** A transaction ended by a marker: its producer, first offset, marker offset and outcome. */
    public record CompletedTxn(long producerId, long firstOffset, long markerOffset, boolean aborted) {
    }

    private final Path dir;
    private final Map<Long, ProducerEntry> producers = new HashMap<>();
    /** Open transactions: first offset → producer id; the smallest key bounds the last stable offset. */
    private final java.util.TreeMap<Long, Long> ongoing = new java.util.TreeMap<>();
    private long mapEndOffset;

    public ProducerStateTable(Path dir) {
        this.dir = dir;
    }

    public Map<Long, ProducerEntry> producers() {
        return producers;
    }

    public long mapEndOffset() {
        return mapEndOffset;
    }

    /** Decides what to do with an idempotent batch before it is appended. */
    public Check check(RecordBatch batch) {
        return check(batch, true);
    }

    /**
     * @param checkSequence false for batches a coordinator writes on a producer's behalf
     *                      (transactional offsets): only the epoch is checked, as in Kafka
     */
    public Check check(RecordBatch batch, boolean checkSequence) {
        if (!batch.hasProducerId()) {
            return ACCEPT;
        }
        ProducerEntry entry = producers.get(batch.producerId());
        short epoch = batch.producerEpoch();
        if (!checkSequence) {
            return entry != null && epoch < entry.epoch
                    ? new Reject(org.apache.kafka.common.protocol.Errors.INVALID_PRODUCER_EPOCH,
                            "Producer " + batch.producerId() + "'s epoch " + epoch + " is older than " + entry.epoch)
                    : ACCEPT;
        }
        int firstSeq = batch.baseSequence();
        int lastSeq = batch.lastSequence();
        if (entry == null) {
            return ACCEPT; // unknown producer (new, or its state expired): accept any sequence
        }
        if (epoch < entry.epoch) {
            return new Reject(org.apache.kafka.common.protocol.Errors.INVALID_PRODUCER_EPOCH,
                    "Producer " + batch.producerId() + "'s epoch " + epoch + " is older than the current epoch " + entry.epoch);
        }
        if (epoch == entry.epoch) {
            for (BatchMetadata b : entry.batches) {
                if (b.firstSeq() == firstSeq && b.lastSeq() == lastSeq) {
                    return new Duplicate(b.firstOffset(), b.lastOffset(), b.timestamp());
                }
            }
        }
        if (epoch > entry.epoch) {
            if (firstSeq != 0 && entry.epoch != RecordBatch.NO_PRODUCER_EPOCH) {
                return new Reject(org.apache.kafka.common.protocol.Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
                        "Producer " + batch.producerId() + " starts epoch " + epoch + " at sequence " + firstSeq + ", not 0");
            }
            return ACCEPT;
        }
        int currentLast = entry.lastSequence();
        if (currentLast != RecordBatch.NO_SEQUENCE && !inSequence(currentLast, firstSeq)) {
            return new Reject(org.apache.kafka.common.protocol.Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
                    "Producer " + batch.producerId() + " sent sequence " + firstSeq + " after " + currentLast);
        }
        return ACCEPT;
    }

    private static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1L || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
    }

    /** The first offset of the oldest open transaction, or -1 if none is open. */
    public long firstUnstableOffset() {
        return ongoing.isEmpty() ? -1L : ongoing.firstKey();
    }

    /** Open transactions, oldest first: first offset → producer id. */
    public Map<Long, Long> ongoingTransactions() {
        return java.util.Collections.unmodifiableMap(ongoing);
    }

    /**
     * Records an appended (or replayed) batch.
     *
     * @return the transaction a commit/abort marker ended, or null
     */
    public CompletedTxn update(RecordBatch batch) {
        CompletedTxn completed = null;
        if (batch.hasProducerId()) {
            ProducerEntry entry = producers.computeIfAbsent(batch.producerId(), id -> new ProducerEntry());
            if (batch.producerEpoch() != entry.epoch) {
                entry.batches.clear();
                entry.epoch = batch.producerEpoch();
            }
            if (batch.isControlBatch()) {
                completed = endTransaction(batch, entry);
            } else if (batch.isTransactional() && entry.currentTxnFirstOffset < 0) {
                entry.currentTxnFirstOffset = batch.baseOffset();
                ongoing.put(batch.baseOffset(), batch.producerId());
            }
            if (batch.baseSequence() != RecordBatch.NO_SEQUENCE) {
                entry.batches.addLast(new BatchMetadata(batch.baseSequence(), batch.lastSequence(),
                        batch.lastOffset(), batch.maxTimestamp()));
                while (entry.batches.size() > MAX_BATCHES_PER_PRODUCER) {
                    entry.batches.removeFirst();
                }
            }
            entry.lastTimestamp = Math.max(entry.lastTimestamp, batch.maxTimestamp());
        }
        mapEndOffset = Math.max(mapEndOffset, batch.nextOffset());
        return completed;
    }

    private CompletedTxn endTransaction(RecordBatch batch, ProducerEntry entry) {
        boolean abort = true;
        for (org.apache.kafka.common.record.internal.Record r : batch) {
            org.apache.kafka.common.record.internal.ControlRecordType type =
                    org.apache.kafka.common.record.internal.ControlRecordType.parse(r.key());
            if (type != org.apache.kafka.common.record.internal.ControlRecordType.COMMIT
                    && type != org.apache.kafka.common.record.internal.ControlRecordType.ABORT) {
                return null; // another control record kind: no transaction ends here
            }
            abort = type == org.apache.kafka.common.record.internal.ControlRecordType.ABORT;
            entry.coordinatorEpoch = org.apache.kafka.common.record.internal.EndTransactionMarker.deserialize(r)
                    .coordinatorEpoch();
            break;
        }
        long first = entry.currentTxnFirstOffset;
        if (first < 0) {
            return null; // a marker for a producer with nothing open (a retried or fencing marker)
        }
        ongoing.remove(first);
        entry.currentTxnFirstOffset = -1L;
        return new CompletedTxn(batch.producerId(), first, batch.baseOffset(), abort);
    }

    /** Sets where the state stands without any batch (an empty log or a truncation). */
    public void setMapEndOffset(long offset) {
        this.mapEndOffset = offset;
    }

    public void clear() {
        producers.clear();
        ongoing.clear();
    }

    /** Removes producers idle since before the cutoff (producer.id.expiration.ms); never one with an open transaction. */
    public void expireProducers(long cutoffTimestamp) {
        producers.values().removeIf(e -> e.lastTimestamp < cutoffTimestamp && e.currentTxnFirstOffset < 0);
    }

    /** Writes the state as of mapEndOffset to a snapshot file, atomically. */
    public void takeSnapshot() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(SNAPSHOT_VERSION);
            out.writeLong(mapEndOffset);
            out.writeInt(producers.size());
            for (Map.Entry<Long, ProducerEntry> e : producers.entrySet()) {
                out.writeLong(e.getKey());
                out.writeShort(e.getValue().epoch);
                out.writeLong(e.getValue().lastTimestamp);
                out.writeLong(e.getValue().currentTxnFirstOffset);
                out.writeInt(e.getValue().coordinatorEpoch);
                out.writeInt(e.getValue().batches.size());
                for (BatchMetadata b : e.getValue().batches) {
                    out.writeInt(b.firstSeq());
                    out.writeInt(b.lastSeq());
                    out.writeLong(b.lastOffset());
                    out.writeLong(b.timestamp());
                }
            }
        }
        byte[] body = bytes.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(body);
        Path tmp = dir.resolve(LogSegment.fileName(mapEndOffset, SNAPSHOT_SUFFIX + ".tmp"));
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(tmp))) {
            out.writeInt((int) crc.getValue());
            out.write(body);
        }
        Files.move(tmp, dir.resolve(LogSegment.fileName(mapEndOffset, SNAPSHOT_SUFFIX)),
                StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        deleteSnapshotsExceptNewest(2);
    }

    /**
     * Loads the newest valid snapshot at or below maxOffset and deletes snapshots above it.
     *
     * @return the offset the loaded state stands at, or -1 if none was usable (state is empty)
     */
    public long loadSnapshot(long maxOffset) throws IOException {
        clear();
        mapEndOffset = 0;
        List<Long> offsets = snapshotOffsets();
        for (int i = offsets.size() - 1; i >= 0; i--) {
            long offset = offsets.get(i);
            Path file = dir.resolve(LogSegment.fileName(offset, SNAPSHOT_SUFFIX));
            if (offset > maxOffset) {
                Files.deleteIfExists(file);
                continue;
            }
            if (readSnapshot(file)) {
                return mapEndOffset;
            }
            Files.deleteIfExists(file);
        }
        return -1L;
    }

    private boolean readSnapshot(Path file) {
        try {
            byte[] all = Files.readAllBytes(file);
            if (all.length < 4) {
                return false;
            }
            CRC32C crc = new CRC32C();
            crc.update(all, 4, all.length - 4);
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all));
            if (in.readInt() != (int) crc.getValue()) {
                return false;
            }
            int version = in.readInt();
            if (version != 1 && version != SNAPSHOT_VERSION) {
                return false;
            }
            Map<Long, ProducerEntry> loaded = new HashMap<>();
            long end = in.readLong();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                long pid = in.readLong();
                ProducerEntry entry = new ProducerEntry();
                entry.epoch = in.readShort();
                entry.lastTimestamp = in.readLong();
                if (version >= 2) {
                    entry.currentTxnFirstOffset = in.readLong();
                    entry.coordinatorEpoch = in.readInt();
                }
                int batches = in.readInt();
                for (int b = 0; b < batches; b++) {
                    entry.batches.addLast(new BatchMetadata(in.readInt(), in.readInt(), in.readLong(), in.readLong()));
                }
                loaded.put(pid, entry);
            }
            producers.putAll(loaded);
            for (Map.Entry<Long, ProducerEntry> e : loaded.entrySet()) {
                if (e.getValue().currentTxnFirstOffset >= 0) {
                    ongoing.put(e.getValue().currentTxnFirstOffset, e.getKey());
                }
            }
            mapEndOffset = end;
            return true;
        } catch (IOException e) {
            clear();
            return false;
        }
    }

    List<Long> snapshotOffsets() throws IOException {
        List<Long> offsets = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(SNAPSHOT_SUFFIX))
                    .forEach(n -> offsets.add(Long.parseLong(n.substring(0, n.length() - SNAPSHOT_SUFFIX.length()))));
        }
        offsets.sort(Long::compare);
        return offsets;
    }

    /** Deletes snapshots above an offset (after truncation) or below one (after segment deletion). */
    public void deleteSnapshotsOutside(long fromInclusive, long toInclusive) throws IOException {
        for (long offset : snapshotOffsets()) {
            if (offset < fromInclusive || offset > toInclusive) {
                Files.deleteIfExists(dir.resolve(LogSegment.fileName(offset, SNAPSHOT_SUFFIX)));
            }
        }
    }

    private void deleteSnapshotsExceptNewest(int keep) throws IOException {
        List<Long> offsets = snapshotOffsets();
        for (int i = 0; i < offsets.size() - keep; i++) {
            Files.deleteIfExists(dir.resolve(LogSegment.fileName(offsets.get(i), SNAPSHOT_SUFFIX)));
        }
    }
}
