package io.riffle.processor.state.internal;

/**
 * Sends one changelog record. The runtime's implementation writes through the stream thread's
 * producer (inside the open transaction under exactly-once) and records the acknowledged offset
 * so the task can checkpoint it.
 */
@FunctionalInterface
public interface ChangelogSender {
    void send(String topic, int partition, byte[] key, byte[] value, long timestamp);
}
