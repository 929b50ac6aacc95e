package io.riffle.log.storage;

import java.io.IOException;

/**
 * A hook before each write to a segment, through which tests inject disk failures (a full
 * disk) without needing a small filesystem. Production uses {@link #NONE}.
 */
@FunctionalInterface
public interface StorageFaults {
    StorageFaults NONE = (dir, bytes) -> { };

    /** Throws to make the write of these bytes to the log in dir fail. */
    void beforeWrite(java.nio.file.Path dir, int bytes) throws IOException;
}
