package io.riffle.log.network;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultFileRegion;
import io.riffle.log.storage.SegmentSlice;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Serializes a response with kafka-clients' generated classes straight into pooled netty
 * buffers, except for record sets that are segment slices: those go to the socket as file
 * regions ({@code sendfile}), so fetched bytes never cross the heap. The generated code computes
 * every size field, including the record sets', so the frame is exactly what the generated
 * classes alone would have produced.
 *
 * <p>Not thread-safe; one instance per response, used on the channel's event loop.
 */
final class ResponseWriter implements Writable {
    private final Channel channel;
    private final ByteBufAllocator allocator;
    private ByteBuf current;

    private ResponseWriter(Channel channel) {
        this.channel = channel;
        this.allocator = channel.alloc();
    }

    /** Writes a whole response frame (size, header, body) to the channel, without flushing. */
    static void write(Channel channel, int correlationId, short headerVersion, ApiMessage body, short version,
                      ChannelPromise promise) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        int headerSize = header.size(cache, headerVersion);
        int bodySize = body.size(cache, version);
        ResponseWriter writer = new ResponseWriter(channel);
        writer.current = writer.allocator.ioBuffer(Math.min(4 + headerSize + bodySize, 64 * 1024));
        writer.current.writeInt(headerSize + bodySize);
        header.write(writer, cache, headerVersion);
        body.write(writer, cache, version);
        writer.finish(promise);
    }

    private void finish(ChannelPromise promise) {
        channel.write(current, promise);
        current = null;
    }

    private void emitCurrent() {
        if (current.isReadable()) {
            channel.write(current, channel.voidPromise());
            current = allocator.ioBuffer(4096);
        }
    }

    @Override
    public void writeRecords(BaseRecords records) {
        if (records instanceof SegmentSlice slice) {
            if (slice.size() > 0) {
                emitCurrent();
                channel.write(new SharedFileRegion(slice.channel(), slice.position(), slice.size()), channel.voidPromise());
            }
        } else if (records instanceof MemoryRecords memory) {
            writeByteBuffer(memory.buffer());
        } else if (records != null && records.sizeInBytes() > 0) {
            throw new IllegalArgumentException("cannot write records of type " + records.getClass());
        }
    }

    @Override
    public void writeByte(byte val) {
        current.writeByte(val);
    }

    @Override
    public void writeShort(short val) {
        current.writeShort(val);
    }

    @Override
    public void writeInt(int val) {
        current.writeInt(val);
    }

    @Override
    public void writeLong(long val) {
        current.writeLong(val);
    }

    @Override
    public void writeDouble(double val) {
        current.writeDouble(val);
    }

    @Override
    public void writeByteArray(byte[] arr) {
        current.writeBytes(arr);
    }

    @Override
    public void writeUnsignedVarint(int i) {
        int value = i;
        while ((value & 0xffffff80) != 0L) {
            current.writeByte((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        current.writeByte(value);
    }

    @Override
    public void writeByteBuffer(ByteBuffer buf) {
        current.writeBytes(buf.duplicate());
    }

    @Override
    public void writeVarint(int i) {
        writeUnsignedVarint((i << 1) ^ (i >> 31));
    }

    @Override
    public void writeVarlong(long i) {
        long value = (i << 1) ^ (i >> 63);
        while ((value & 0xffffffffffffff80L) != 0L) {
            current.writeByte(((int) value & 0x7f) | 0x80);
            value >>>= 7;
        }
        current.writeByte((int) value);
    }

    /**
     * A file region over a segment's channel that leaves the channel open when released: the
     * segment owns it. Extending {@link DefaultFileRegion} keeps netty's epoll sendfile path.
     */
    static final class SharedFileRegion extends DefaultFileRegion {
        SharedFileRegion(FileChannel file, long position, long count) {
            super(file, position, count);
        }

        @Override
        protected void deallocate() {
            // The segment owns the channel.
        }
    }
}
