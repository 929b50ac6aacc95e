package io.riffle.log.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;

/** Generators of record batches for the storage properties, and their file helpers. */
final class RandomBatches {
    static final long START = 1_700_000_000_000L;

    private RandomBatches() {
    }

    /** One record to append: key and value may be null; the timestamp is START + timestampDelta. */
    record RecordSpec(byte[] key, byte[] value, int timestampDelta) {
    }

    /** One batch to append. */
    record BatchSpec(CompressionType compression, List<RecordSpec> records) {
        MemoryRecords build() {
            MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(64 * 1024),
                    Compression.of(compression).build(), TimestampType.CREATE_TIME, 0L);
            for (RecordSpec r : records) {
                builder.append(START + r.timestampDelta(), r.key(), r.value());
            }
            return builder.build();
        }

        @Override
        public String toString() {
            return compression + "×" + records.size();
        }
    }

    static Arbitrary<byte[]> nullableBytes(int maxSize) {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(maxSize).injectNull(0.2);
    }

    static Arbitrary<BatchSpec> batches() {
        Arbitrary<RecordSpec> record = Combinators.combine(nullableBytes(40), nullableBytes(300),
                Arbitraries.integers().between(0, 100_000)).as(RecordSpec::new);
        return Combinators.combine(Arbitraries.of(CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY,
                        CompressionType.LZ4, CompressionType.ZSTD), record.list().ofMinSize(1).ofMaxSize(12))
                .as(BatchSpec::new);
    }

    static Path tempDir() throws IOException {
        return Files.createTempDirectory("riffle-storage-props");
    }

    static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The bytes of a read: the segment slice copied, or the in-memory records. */
    static byte[] bytesOf(FetchData data) throws IOException {
        byte[] out = new byte[data.sizeInBytes()];
        if (data.records() instanceof SegmentSlice slice) {
            ByteBuffer buf = ByteBuffer.wrap(out);
            while (buf.hasRemaining()) {
                if (slice.channel().read(buf, slice.position() + buf.position()) < 0) {
                    throw new IOException("slice beyond the end of its file");
                }
            }
        } else {
            ((MemoryRecords) data.records()).buffer().duplicate().get(out);
        }
        return out;
    }

    static byte[] bytesOf(MemoryRecords records) {
        byte[] out = new byte[records.sizeInBytes()];
        records.buffer().duplicate().get(out);
        return out;
    }
}
