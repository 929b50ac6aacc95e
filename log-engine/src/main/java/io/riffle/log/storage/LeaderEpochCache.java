package io.riffle.log.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The start offset of each leader epoch in a partition's log, persisted to
 * {@code leader-epoch-checkpoint} (Kafka's text layout: version, count, then "epoch offset" lines).
 * Followers use it, through OffsetForLeaderEpoch, to find where their log diverged.
 *
 * <p>Not thread-safe: owned by the partition log and changed under its lock; readers call the
 * synchronized lookups.
 */
public final class LeaderEpochCache {
    public static final String FILE_NAME = "leader-epoch-checkpoint";

    /** An epoch and the first offset written in it. */
    public record EpochEntry(int epoch, long startOffset) {
    }

    private final Path file;
    private final List<EpochEntry> entries = new ArrayList<>();

    public LeaderEpochCache(Path dir) throws IOException {
        this.file = dir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            try {
                int count = Integer.parseInt(lines.get(1).trim());
                for (int i = 0; i < count; i++) {
                    String[] parts = lines.get(2 + i).trim().split("\\s+");
                    entries.add(new EpochEntry(Integer.parseInt(parts[0]), Long.parseLong(parts[1])));
                }
            } catch (RuntimeException e) {
                entries.clear(); // unreadable: rebuilt from the log's batches by the caller
            }
        }
    }

    public synchronized boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Records that epoch starts at offset, if it is newer than the latest epoch. */
    public synchronized void assign(int epoch, long startOffset) throws IOException {
        if (epoch < 0) {
            return;
        }
        if (!entries.isEmpty()) {
            EpochEntry last = entries.get(entries.size() - 1);
            if (last.epoch() >= epoch) {
                return;
            }
        }
        entries.add(new EpochEntry(epoch, startOffset));
        write();
    }

    public synchronized Optional<EpochEntry> latest() {
        return entries.isEmpty() ? Optional.empty() : Optional.of(entries.get(entries.size() - 1));
    }

    /** The epoch of the record at this offset, or -1 if unknown. */
    public synchronized int epochForOffset(long offset) {
        int epoch = -1;
        for (EpochEntry e : entries) {
            if (e.startOffset() <= offset) {
                epoch = e.epoch();
            } else {
                break;
            }
        }
        return epoch;
    }

    /**
     * Kafka's OffsetForLeaderEpoch answer ({@code LeaderEpochFileCache.endOffsetFor}): the
     * largest known epoch ≤ the requested one, and the start offset of the next known epoch (or
     * logEndOffset if the latest epoch was requested). A requested epoch older than every known
     * one answers itself with the start of the first known epoch (its records are gone; a
     * follower truncates to there). An undefined (-1) or too new epoch answers {-1, -1}.
     *
     * @return {epoch, endOffset}, {-1, -1} if undefined
     */
    public synchronized long[] endOffsetFor(int requestedEpoch, long logEndOffset) {
        if (requestedEpoch < 0) {
            return new long[] {-1, -1};
        }
        if (!entries.isEmpty() && entries.get(entries.size() - 1).epoch() == requestedEpoch) {
            return new long[] {requestedEpoch, logEndOffset};
        }
        for (int i = 0; i < entries.size(); i++) {
            EpochEntry higher = entries.get(i);
            if (higher.epoch() > requestedEpoch) {
                // entries are in increasing epoch order: entries[i - 1] is the floor, if any
                return i == 0 ? new long[] {requestedEpoch, higher.startOffset()}
                        : new long[] {entries.get(i - 1).epoch(), higher.startOffset()};
            }
        }
        return new long[] {-1, -1};
    }

    /** Drops epochs starting at or after offset (log truncated to offset). */
    public synchronized void truncateFromEnd(long offset) throws IOException {
        if (entries.removeIf(e -> e.startOffset() >= offset)) {
            write();
        }
    }

    /** Drops epochs wholly before the new log start, keeping the one that covers it. */
    public synchronized void truncateFromStart(long logStartOffset) throws IOException {
        boolean changed = false;
        while (entries.size() > 1 && entries.get(1).startOffset() <= logStartOffset) {
            entries.remove(0);
            changed = true;
        }
        if (!entries.isEmpty() && entries.get(0).startOffset() < logStartOffset) {
            entries.set(0, new EpochEntry(entries.get(0).epoch(), logStartOffset));
            changed = true;
        }
        if (changed) {
            write();
        }
    }

    public synchronized void clear() throws IOException {
        entries.clear();
        write();
    }

    private void write() throws IOException {
        StringBuilder sb = new StringBuilder("0\n").append(entries.size()).append('\n');
        for (EpochEntry e : entries) {
            sb.append(e.epoch()).append(' ').append(e.startOffset()).append('\n');
        }
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
