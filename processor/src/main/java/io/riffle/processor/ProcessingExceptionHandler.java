package io.riffle.processor;

import io.riffle.processor.api.Record;

/**
 * Decides what happens when a processor (a DSL operator's function or a custom processor) throws
 * while processing a record (Kafka Streams' interface of the same name, KIP-1033). Configured by
 * class name with {@code processing.exception.handler};
 * {@link LogAndFailProcessingExceptionHandler} by default. {@code CONTINUE} drops the record from
 * the failed node on (what it already sent downstream stays sent) and commits its input offset;
 * {@code FAIL} stops the stream thread. Not called for failures of stores, of serialization in a
 * sink or of punctuators, which always stop the thread. Must be thread-safe (shared by all threads).
 */
public interface ProcessingExceptionHandler {
    enum ProcessingHandlerResponse { CONTINUE, FAIL }

    /** {@code record} is the record as the failing node received it (deserialized). */
    ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception);
}
