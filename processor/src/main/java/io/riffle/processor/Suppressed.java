package io.riffle.processor;

/**
 * How {@link KTable#suppress} holds back a windowed table's updates. Only
 * {@link #untilWindowCloses}: one final result per window, once the window can no longer
 * change. Immutable.
 */
public final class Suppressed {
    /** How much the suppression buffer may hold. */
    public static final class BufferConfig {
        private BufferConfig() {
        }

        /**
         * No limit but the disk: the buffer is a RocksDB store (with a changelog), so it is
         * bounded by disk, not by heap.
         */
        public static BufferConfig unbounded() {
            return new BufferConfig();
        }
    }

    private final String name;

    private Suppressed(String name) {
        this.name = name;
    }

    /** Emit each window's final result once stream time passes its end + grace. */
    public static Suppressed untilWindowCloses(BufferConfig bufferConfig) {
        if (bufferConfig == null) {
            throw new NullPointerException("bufferConfig");
        }
        return new Suppressed(null);
    }

    /** Names the suppression node; its buffer store is {@code <name>-store}. */
    public Suppressed withName(String processorName) {
        return new Suppressed(processorName);
    }

    String name() {
        return name;
    }
}
