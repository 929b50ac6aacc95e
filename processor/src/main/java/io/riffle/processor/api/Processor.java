package io.riffle.processor.api;

/**
 * A node of a topology that receives records one at a time, may read and write the state
 * stores connected to it, and forwards zero or more records to its children.
 * One instance per task; called only from the thread that owns the task.
 */
public interface Processor<KIn, VIn, KOut, VOut> {
    /** Called once before the first record; keep the context to forward and reach stores. */
    default void init(ProcessorContext<KOut, VOut> context) {
    }

    void process(Record<KIn, VIn> record);

    /** Called once when the task closes; release what {@link #init} acquired (not the stores). */
    default void close() {
    }
}
