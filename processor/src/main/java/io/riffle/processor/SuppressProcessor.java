package io.riffle.processor;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.riffle.processor.api.Processor;
import io.riffle.processor.api.ProcessorContext;
import io.riffle.processor.api.Record;
import io.riffle.processor.state.KeyValueIterator;
import io.riffle.processor.state.KeyValueStore;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;

/**
 * {@code suppress(untilWindowCloses)}: buffers the latest update of each window in a logged
 * key-value store keyed by {@code windowEnd ‖ windowed key} (so the buffer is ordered by the
 * time windows close), and emits a window's final value once stream time has reached
 * {@code windowEnd + delay}. Buffered tombstones (sessions merged away) are never emitted, as in
 * Kafka Streams. The smallest buffered end is kept in memory so that most records do not scan.
 * Not thread-safe: owned by the task's thread.
 */
final class SuppressProcessor<V> implements Processor<Windowed<?>, V, Windowed<?>, V> {
    private final String storeName;
    private final long delayMs;
    private final Serde<Object> keySerde;
    private final Serde<V> valueSerde;
    private ProcessorContext<Windowed<?>, V> context;
    private KeyValueStore<Bytes, byte[]> buffer;
    private long minBufferedEnd = Long.MAX_VALUE;

    SuppressProcessor(String storeName, long delayMs, Serde<Object> keySerde, Serde<V> valueSerde) {
        this.storeName = storeName;
        this.delayMs = delayMs;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    @Override
    public void init(ProcessorContext<Windowed<?>, V> ctx) {
        this.context = ctx;
        this.buffer = ctx.getStateStore(storeName);
        try (KeyValueIterator<Bytes, byte[]> it = buffer.all()) {
            if (it.hasNext()) {
                minBufferedEnd = ByteBuffer.wrap(it.next().key().get(), 0, 8).getLong();
            }
        }
    }

    @Override
    public void process(Record<Windowed<?>, V> record) {
        Windowed<?> key = record.key();
        byte[] keyBytes = keySerde.serializer().serialize(storeName, key);
        long end = key.window().end();
        Bytes bufferKey = Bytes.wrap(ByteBuffer.allocate(8 + keyBytes.length).putLong(end).put(keyBytes).array());
        if (record.value() == null) {
            buffer.delete(bufferKey);
        } else {
            byte[] value = valueSerde.serializer().serialize(storeName, record.value());
            buffer.put(bufferKey, ByteBuffer.allocate(8 + value.length).putLong(record.timestamp()).put(value).array());
            minBufferedEnd = Math.min(minBufferedEnd, end);
        }
        emitClosed();
    }

    private void emitClosed() {
        long closedUpTo = context.currentStreamTimeMs() - delayMs;
        if (minBufferedEnd > closedUpTo) {
            return;
        }
        List<KeyValue<Bytes, byte[]>> closed = new ArrayList<>();
        minBufferedEnd = Long.MAX_VALUE;
        try (KeyValueIterator<Bytes, byte[]> it = buffer.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                long end = ByteBuffer.wrap(kv.key().get(), 0, 8).getLong();
                if (end > closedUpTo) {
                    minBufferedEnd = end;
                    break;
                }
                closed.add(kv);
            }
        }
        for (KeyValue<Bytes, byte[]> kv : closed) {
            byte[] k = kv.key().get();
            Windowed<?> key = (Windowed<?>) keySerde.deserializer().deserialize(storeName, Arrays.copyOfRange(k, 8, k.length));
            byte[] v = kv.value();
            long timestamp = ByteBuffer.wrap(v, 0, 8).getLong();
            V value = valueSerde.deserializer().deserialize(storeName, Arrays.copyOfRange(v, 8, v.length));
            buffer.delete(kv.key());
            context.forward(new Record<>(key, value, timestamp));
        }
    }
}
