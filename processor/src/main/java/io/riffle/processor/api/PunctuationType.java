package io.riffle.processor.api;

/** The clock that drives a {@link Punctuator}. */
public enum PunctuationType {
    /** The task's stream time: advances only when records arrive. */
    STREAM_TIME,
    /** The system clock, checked from the stream thread's loop. */
    WALL_CLOCK_TIME
}
