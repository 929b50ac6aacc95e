package io.riffle.log.network;

import java.util.function.Consumer;

/**
 * Handles decoded requests. Called on a request handler thread; may answer at once or later
 * (a long-polling fetch), exactly once, through {@code respond}, from any thread.
 */
public interface ApiDispatcher {
    void dispatch(Request request, Consumer<Response> respond);
}
