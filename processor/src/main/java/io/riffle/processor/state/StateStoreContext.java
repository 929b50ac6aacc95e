package io.riffle.processor.state;

import java.nio.file.Path;

/**
 * What a store learns of the task that owns it. Riffle's built-in stores need more from the
 * runtime than this, and receive an internal implementation of it.
 */
public interface StateStoreContext {
    String applicationId();

    /** Task id, e.g. {@code 1_0}. */
    String taskId();

    /** The task's directory under {@code state.dir}; persistent stores keep their files below it. */
    Path taskDirectory();
}
