package io.riffle.processor;

import io.riffle.processor.internal.InternalTopology;

/**
 * A built, immutable topology: the graph of sources, processors, sinks and stores that
 * {@link RiffleStreams} runs and {@link TopologyTestDriver} tests. Obtain one from
 * {@link StreamsBuilder#build()}. Thread-safe.
 */
public final class Topology {
    private final InternalTopology internal;

    Topology(InternalTopology internal) {
        this.internal = internal;
    }

    /** Subtopologies with their sources, processors (and stores) and sinks, one line each. */
    public String describe() {
        return internal.describe();
    }

    InternalTopology internal() {
        return internal;
    }

    @Override
    public String toString() {
        return describe();
    }
}
