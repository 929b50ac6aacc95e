package io.riffle.log.storage;

/** An offset with where it lies in the log: its segment's base offset and file position. */
public record LogOffsetMetadata(long offset, long segmentBaseOffset, int position) {
    public static final LogOffsetMetadata UNKNOWN = new LogOffsetMetadata(-1L, -1L, -1);
}
