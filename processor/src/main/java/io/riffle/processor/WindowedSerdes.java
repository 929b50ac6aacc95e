package io.riffle.processor;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serdes for {@link Windowed} keys, byte-compatible with Kafka Streams'
 * {@code WindowedSerdes}: time windows as {@code key ‖ start} (8 bytes big-endian; the end is
 * {@code start + windowSize}), session windows as {@code key ‖ end ‖ start}.
 */
public final class WindowedSerdes {
    private WindowedSerdes() {
    }

    public static <K> Serde<Windowed<K>> timeWindowedSerdeFrom(Serde<K> keySerde, long windowSizeMs) {
        Serializer<Windowed<K>> serializer = (topic, w) ->
            w == null ? null : withSuffix(keySerde.serializer().serialize(topic, w.key()), w.window().start());
        Deserializer<Windowed<K>> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            int n = bytes.length - 8;
            long start = ByteBuffer.wrap(bytes, n, 8).getLong();
            K key = keySerde.deserializer().deserialize(topic, Arrays.copyOf(bytes, n));
            return new Windowed<>(key, new Window(start, Math.min(Long.MAX_VALUE - windowSizeMs, start) + windowSizeMs));
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    public static <K> Serde<Windowed<K>> sessionWindowedSerdeFrom(Serde<K> keySerde) {
        Serializer<Windowed<K>> serializer = (topic, w) -> {
            if (w == null) {
                return null;
            }
            byte[] key = keySerde.serializer().serialize(topic, w.key());
            return ByteBuffer.allocate(key.length + 16).put(key).putLong(w.window().end()).putLong(w.window().start()).array();
        };
        Deserializer<Windowed<K>> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            int n = bytes.length - 16;
            ByteBuffer b = ByteBuffer.wrap(bytes, n, 16);
            long end = b.getLong();
            long start = b.getLong();
            return new Windowed<>(keySerde.deserializer().deserialize(topic, Arrays.copyOf(bytes, n)), new Window(start, end));
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    private static byte[] withSuffix(byte[] key, long suffix) {
        return ByteBuffer.allocate(key.length + 8).put(key).putLong(suffix).array();
    }
}
