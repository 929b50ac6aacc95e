package io.riffle.processor.state.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.function.ToLongFunction;

import io.riffle.processor.KeyValue;
import io.riffle.processor.state.KeyValueIterator;
import org.apache.kafka.common.utils.Bytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent layer of window and session stores: one RocksDB database split into time
 * segments, so that expired windows are dropped a segment at a time.
 *
 * <h2>Design</h2>
 * Users of this class see <em>logical</em> keys — {@code key ‖ windowStart} for window stores,
 * {@code key ‖ sessionEnd ‖ sessionStart} for session stores (Kafka Streams' layouts, so that
 * {@code fetch(key, from, to)} is one contiguous range). Each logical key carries a segment
 * timestamp (window start, session end); on disk it is prefixed with its segment id,
 * {@code timestamp / segmentInterval}, as 8 big-endian bytes. A range scan seeks once per live
 * segment and merges the segments' iterators back into logical-key order. Kafka Streams gives
 * each segment its own RocksDB instance; here segments share one database (one set of
 * memtables and one block-cache footprint per store, not per segment) and an expired segment
 * is removed with a single {@code deleteRange} tombstone.
 *
 * <p>Observed stream time is the largest segment timestamp written. A segment is expired once
 * its end is below {@code observed - retention + 1}; writes to it are dropped (as in Kafka
 * Streams), and {@link #expire()} deletes it. Segment interval: {@code max(retention / 2, 60 s)}.
 *
 * <p>Not thread-safe: owned by the task's stream thread.
 */
public final class SegmentedBytesStore implements BytesStore {
    private static final Logger log = LoggerFactory.getLogger(SegmentedBytesStore.class);
    private static final int PREFIX = 8;

    private final RocksDBStore rocks;
    private final long retentionMs;
    private final long segmentIntervalMs;
    private final ToLongFunction<byte[]> segmentTimestamp;
    private long observedStreamTime = -1;
    private long expiredBelowSegment;
    private long droppedWrites;

    /** {@code segmentTimestamp} extracts the segment timestamp from a logical key. */
    public SegmentedBytesStore(RocksDBStore rocks, long retentionMs, ToLongFunction<byte[]> segmentTimestamp) {
        this.rocks = rocks;
        this.retentionMs = retentionMs;
        this.segmentIntervalMs = Math.max(retentionMs / 2, 60_000L);
        this.segmentTimestamp = segmentTimestamp;
        byte[] last = rocks.lastKey();
        if (last != null) {
            // a lower bound of what was observed before the restart: the start of the last segment
            observedStreamTime = ByteBuffer.wrap(last, 0, PREFIX).getLong() * segmentIntervalMs;
        }
    }

    public long segmentIntervalMs() {
        return segmentIntervalMs;
    }

    public long observedStreamTime() {
        return observedStreamTime;
    }

    /** Windows whose segment timestamp is below this are expired (invisible, then deleted). */
    public long minLiveTime() {
        return observedStreamTime < 0 ? Long.MIN_VALUE : observedStreamTime - retentionMs + 1;
    }

    /** Notes a timestamp written (through the cache above); advances observed stream time. */
    public void observe(long timestamp) {
        observedStreamTime = Math.max(observedStreamTime, timestamp);
    }

    /** Writes dropped because their segment had expired. */
    public long droppedWrites() {
        return droppedWrites;
    }

    private long segmentId(long timestamp) {
        return Math.max(0, timestamp) / segmentIntervalMs;
    }

    private static byte[] prefix(long segment) {
        return ByteBuffer.allocate(PREFIX).putLong(segment).array();
    }

    private byte[] physical(byte[] logical) {
        return ByteBuffer.allocate(PREFIX + logical.length).putLong(segmentId(segmentTimestamp.applyAsLong(logical)))
            .put(logical).array();
    }

    /** The lowest segment id still live: segments below it hold only expired windows. */
    private long firstLiveSegment() {
        long minLive = minLiveTime();
        return minLive == Long.MIN_VALUE ? 0 : segmentId(minLive);
    }

    @Override
    public byte[] get(Bytes key) {
        return rocks.get(Bytes.wrap(physical(key.get())));
    }

    @Override
    public void write(List<KeyValue<byte[], byte[]>> entries) {
        List<KeyValue<byte[], byte[]>> batch = new ArrayList<>(entries.size());
        for (KeyValue<byte[], byte[]> e : entries) {
            observe(segmentTimestamp.applyAsLong(e.key()));
        }
        long firstLive = firstLiveSegment();
        for (KeyValue<byte[], byte[]> e : entries) {
            byte[] physical = physical(e.key());
            if (ByteBuffer.wrap(physical, 0, PREFIX).getLong() < firstLive) {
                droppedWrites++;
                continue;
            }
            batch.add(KeyValue.pair(physical, e.value()));
        }
        rocks.write(batch);
    }

    /** Deletes every segment that holds only expired windows. Cheap when nothing expired. */
    public void expire() {
        long firstLive = firstLiveSegment();
        if (firstLive > expiredBelowSegment) {
            rocks.deleteRange(prefix(0), prefix(firstLive));
            log.debug("store {}: dropped segments below {}", rocks.name(), firstLive);
            expiredBelowSegment = firstLive;
        }
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        List<KeyValueIterator<Bytes, byte[]>> perSegment = new ArrayList<>();
        long segment = firstLiveSegment();
        try {
            while (true) {
                byte[] found = rocks.firstKeyAtOrAfter(prefix(segment));
                if (found == null) {
                    break;
                }
                segment = ByteBuffer.wrap(found, 0, PREFIX).getLong();
                byte[] p = prefix(segment);
                Bytes lower = Bytes.wrap(from == null ? p : concat(p, from.get()));
                Bytes upper = Bytes.wrap(to == null ? prefix(segment + 1) : concat(p, to.get()));
                perSegment.add(rocks.range(lower, upper));
                if (segment == Long.MAX_VALUE) {
                    break;
                }
                segment++;
            }
        } catch (RuntimeException e) {
            perSegment.forEach(KeyValueIterator::close);
            throw e;
        }
        return new MergingIterator(perSegment);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public long approximateNumEntries() {
        return rocks.approximateNumEntries();
    }

    @Override
    public void flush() {
        rocks.flush();
    }

    @Override
    public boolean isOpen() {
        return rocks.isOpen();
    }

    @Override
    public void close() {
        rocks.close();
    }

    /** Merges per-segment iterators (each in key order) into logical-key order, stripping prefixes. */
    private static final class MergingIterator implements KeyValueIterator<Bytes, byte[]> {
        private record Head(KeyValue<Bytes, byte[]> entry, KeyValueIterator<Bytes, byte[]> source) {
        }

        private final List<KeyValueIterator<Bytes, byte[]>> sources;
        private final PriorityQueue<Head> heads = new PriorityQueue<>((a, b) -> a.entry().key().compareTo(b.entry().key()));

        MergingIterator(List<KeyValueIterator<Bytes, byte[]>> sources) {
            this.sources = sources;
            for (KeyValueIterator<Bytes, byte[]> s : sources) {
                advance(s);
            }
        }

        private void advance(KeyValueIterator<Bytes, byte[]> source) {
            if (source.hasNext()) {
                KeyValue<Bytes, byte[]> kv = source.next();
                byte[] physical = kv.key().get();
                heads.add(new Head(KeyValue.pair(Bytes.wrap(Arrays.copyOfRange(physical, PREFIX, physical.length)), kv.value()), source));
            }
        }

        @Override
        public boolean hasNext() {
            return !heads.isEmpty();
        }

        @Override
        public KeyValue<Bytes, byte[]> next() {
            Head head = heads.poll();
            if (head == null) {
                throw new NoSuchElementException();
            }
            advance(head.source());
            return head.entry();
        }

        @Override
        public void close() {
            heads.clear();
            sources.forEach(KeyValueIterator::close);
        }
    }
}
