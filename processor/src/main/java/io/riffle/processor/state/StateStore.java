package io.riffle.processor.state;

/**
 * A named piece of a task's state. The runtime opens ({@link #init}), flushes and closes it;
 * processors only read and write it. Not thread-safe: owned by the task's stream thread.
 */
public interface StateStore extends AutoCloseable {
    String name();

    /** Opens the store for one task. Called by the runtime, once. */
    void init(StateStoreContext context);

    /** Makes every buffered write durable in the layer below. Called by the runtime on commit. */
    void flush();

    /** Idempotent. */
    @Override
    void close();

    boolean isOpen();
}
