package io.riffle.log.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The aborted transactions of one partition, in offset order: producer id, the first offset of
 * the transaction and the offset of its abort marker. A read_committed fetch gets the entries
 * that overlap the records it returns, so the client can drop the aborted ones.
 *
 * <p>Kept in one append-only file per partition ({@code aborted-transactions.index}, 24-byte
 * entries); entries below the log start are pruned by rewriting the file, entries at or above a
 * truncation point are cut off. Rebuilt from the log's abort markers during recovery.
 *
 * <p>Not thread-safe for writes (the log's lock); {@link #overlapping} is synchronized against them.
 */
public final class AbortedTxnIndex implements AutoCloseable {
    static final String FILE_NAME = "aborted-transactions.index";
    private static final int ENTRY_SIZE = 24;

    /** One aborted transaction. */
    public record Entry(long producerId, long firstOffset, long lastOffset) {
    }

    private final Path file;
    private final List<Entry> entries = new ArrayList<>();
    private FileChannel channel;

    public AbortedTxnIndex(Path dir) throws IOException {
        this.file = dir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file));
            while (all.remaining() >= ENTRY_SIZE) {
                entries.add(new Entry(all.getLong(), all.getLong(), all.getLong()));
            }
        }
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        channel.truncate((long) entries.size() * ENTRY_SIZE);
        channel.position((long) entries.size() * ENTRY_SIZE);
    }

    /** Records an abort; ignored if an entry for this marker offset exists (replay after recovery). */
    public synchronized void append(long producerId, long firstOffset, long lastOffset) throws IOException {
        if (!entries.isEmpty() && entries.get(entries.size() - 1).lastOffset() >= lastOffset) {
            return;
        }
        ByteBuffer b = ByteBuffer.allocate(ENTRY_SIZE);
        b.putLong(producerId).putLong(firstOffset).putLong(lastOffset).flip();
        while (b.hasRemaining()) {
            channel.write(b);
        }
        entries.add(new Entry(producerId, firstOffset, lastOffset));
    }

    /** Aborted transactions with records in [from, to). */
    public synchronized List<Entry> overlapping(long from, long to) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.lastOffset() >= from && e.firstOffset() < to) {
                out.add(e);
            }
        }
        return out;
    }

    public synchronized int size() {
        return entries.size();
    }

    /** Drops entries whose marker is at or above offset. */
    public synchronized void truncateTo(long offset) throws IOException {
        if (entries.removeIf(e -> e.lastOffset() >= offset)) {
            channel.truncate((long) entries.size() * ENTRY_SIZE);
            channel.position((long) entries.size() * ENTRY_SIZE);
        }
    }

    /** Drops entries wholly below the log start offset. */
    public synchronized void pruneBelow(long logStartOffset) throws IOException {
        if (entries.removeIf(e -> e.lastOffset() < logStartOffset)) {
            rewrite();
        }
    }

    private void rewrite() throws IOException {
        channel.close();
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        ByteBuffer b = ByteBuffer.allocate(entries.size() * ENTRY_SIZE);
        for (Entry e : entries) {
            b.putLong(e.producerId()).putLong(e.firstOffset()).putLong(e.lastOffset());
        }
        Files.write(tmp, b.array());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        channel = FileChannel.open(file, StandardOpenOption.WRITE);
        channel.position((long) entries.size() * ENTRY_SIZE);
    }

    public synchronized void flush() throws IOException {
        channel.force(false);
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
