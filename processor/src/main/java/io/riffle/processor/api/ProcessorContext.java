package io.riffle.processor.api;

import java.time.Duration;

import io.riffle.processor.state.StateStore;

/**
 * What a {@link Processor} sees of its task: forwarding to children, the state stores
 * connected to it, punctuation, and where the current record came from.
 * Not thread-safe: use only from the processor's own callbacks.
 */
public interface ProcessorContext<KForward, VForward> {
    /** Sends a record to every child of this processor. */
    <K extends KForward, V extends VForward> void forward(Record<K, V> record);

    /** Sends a record to the named child only; fails if there is no such child. */
    <K extends KForward, V extends VForward> void forward(Record<K, V> record, String childName);

    /** A store connected to this processor ({@code StreamsBuilder.addStateStore} or the DSL). */
    <S extends StateStore> S getStateStore(String name);

    /**
     * Calls {@code punctuator} every {@code interval}: on {@link PunctuationType#STREAM_TIME},
     * when the task's stream time (the largest record timestamp seen) crosses the next multiple;
     * on {@link PunctuationType#WALL_CLOCK_TIME}, from the stream thread's loop by the clock.
     */
    Cancellable schedule(Duration interval, PunctuationType type, Punctuator punctuator);

    /** The task id, e.g. {@code 0_3} (subtopology 0, partition 3). */
    String taskId();

    String applicationId();

    /** Topic of the record being processed, or null inside a punctuation. */
    String topic();

    /** Partition of the record being processed, or -1 inside a punctuation. */
    int partition();

    /** Offset of the record being processed, or -1 inside a punctuation. */
    long offset();

    /** The task's stream time: the largest timestamp of any record it has processed. */
    long currentStreamTimeMs();
}
