package io.riffle.processor.internal;

/** A task: one subtopology on one partition number, written {@code subtopology_partition}. */
public record TaskId(int subtopology, int partition) {
    @Override
    public String toString() {
        return subtopology + "_" + partition;
    }
}
