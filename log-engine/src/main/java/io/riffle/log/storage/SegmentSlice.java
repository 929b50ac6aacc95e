package io.riffle.log.storage;

import java.nio.channels.FileChannel;

import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.RecordsSend;

/**
 * A byte range of a segment file, handed to the network layer to be sent with
 * {@code sendfile} (a netty file region) rather than copied through the heap.
 *
 * <p>The channel stays owned by its segment; a slice must not close it.
 */
public record SegmentSlice(FileChannel channel, long position, int size) implements BaseRecords {
    @Override
    public int sizeInBytes() {
        return size;
    }

    @Override
    public RecordsSend<? extends BaseRecords> toSend() {
        throw new UnsupportedOperationException("segment slices are written by Riffle's response writer");
    }
}
