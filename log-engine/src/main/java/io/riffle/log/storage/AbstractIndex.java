package io.riffle.log.storage;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;

/**
 * A sparse, memory-mapped index beside a segment: fixed-size entries whose keys strictly
 * increase, searched by binary search.
 *
 * <p>A writable index is mapped at its maximum size and trimmed to its entries when the segment
 * is sealed or closed, so a trimmed file's length says how many entries it holds. An entry is
 * never (0, 0)-like: the first entry of a segment is written only after some bytes, so trailing
 * zero entries in an untrimmed file mark its end.
 *
 * <p>Thread-safety: appends and resizes happen under the owning log's lock; lookups may run
 * concurrently on any thread and see every entry counted by the volatile {@link #entries}.
 */
abstract class AbstractIndex implements AutoCloseable {
    protected final long baseOffset;
    private final int entrySize;
    private volatile File file;
    private volatile MappedByteBuffer mmap;
    protected volatile int entries;
    private int maxEntries;

    AbstractIndex(File file, long baseOffset, int maxIndexSize, boolean writable, int entrySize) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        boolean existed = file.exists() && file.length() > 0;
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            long length = raf.length();
            int roundedMax = Math.max(entrySize, maxIndexSize - maxIndexSize % entrySize);
            if (writable) {
                raf.setLength(Math.max(roundedMax, length - length % entrySize));
            } else if (length % entrySize != 0) {
                raf.setLength(length - length % entrySize);
            }
            long mapLength = raf.length();
            this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, mapLength);
            this.maxEntries = (int) (mapLength / entrySize);
            if (!existed) {
                this.entries = 0;
            } else if (writable && mapLength > length) {
                this.entries = (int) (length / entrySize);
            } else {
                this.entries = countEntries();
            }
        }
    }

    /** Entries in a file whose tail may still be zero-filled (written but not trimmed). */
    private int countEntries() {
        int lo = 0;
        int hi = maxEntries;
        while (lo < hi) { // first empty slot
            int mid = (lo + hi) >>> 1;
            if (isEmptySlot(mid)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private boolean isEmptySlot(int slot) {
        int pos = slot * entrySize;
        for (int i = 0; i < entrySize; i += 4) {
            if (mmap.getInt(pos + i) != 0) {
                return false;
            }
        }
        return true;
    }

    protected final ByteBuffer buffer() {
        return mmap;
    }

    protected final int entrySize() {
        return entrySize;
    }

    public int entries() {
        return entries;
    }

    public boolean isFull() {
        return entries >= maxEntries;
    }

    public File file() {
        return file;
    }

    /** Slot of the greatest entry whose key ≤ target, or -1. Keys are read by {@link #keyAt}. */
    protected final int largestLowerBound(long target) {
        int n = entries;
        if (n == 0 || keyAt(0) > target) {
            return -1;
        }
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (keyAt(mid) <= target) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Slot of the least entry whose key ≥ target, or -1. */
    protected final int smallestUpperBound(long target) {
        int n = entries;
        if (n == 0 || keyAt(n - 1) < target) {
            return -1;
        }
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (keyAt(mid) >= target) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    protected abstract long keyAt(int slot);

    /** Drops every entry whose key ≥ the given key (used when the log is truncated). */
    protected final void truncateToKey(long key) {
        int slot = smallestUpperBound(key);
        if (slot >= 0) {
            truncateToEntries(slot);
        }
    }

    protected final void truncateToEntries(int n) {
        for (int i = n * entrySize; i < entries * entrySize; i++) {
            mmap.put(i, (byte) 0);
        }
        entries = n;
    }

    public void reset() {
        truncateToEntries(0);
    }

    /** Shrinks the file to its entries: the index of a sealed segment. */
    public void trimToValidSize() throws IOException {
        resize(entries * entrySize);
    }

    private void resize(int newSize) throws IOException {
        flush();
        unmap(mmap);
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            raf.setLength(newSize);
            mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, newSize);
            maxEntries = newSize / entrySize;
        }
    }

    public void flush() {
        mmap.force();
    }

    public void renameTo(File target) throws IOException {
        Files.move(file.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        file = target;
    }

    public void deleteIfExists() throws IOException {
        close();
        Files.deleteIfExists(file.toPath());
    }

    @Override
    public void close() throws IOException {
        MappedByteBuffer m = mmap;
        if (m != null) {
            mmap = null;
            unmap(m);
        }
    }

    /** Releases a mapping now rather than at garbage collection, so the file can be resized or deleted. */
    private static void unmap(MappedByteBuffer buffer) {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            java.lang.reflect.Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            Method invokeCleaner = unsafeClass.getMethod("invokeCleaner", ByteBuffer.class);
            invokeCleaner.invoke(unsafe, buffer);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // The mapping is released at garbage collection instead.
        }
    }
}
