package io.riffle.processor;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decides what happens to an input record whose key or value cannot be deserialized (Kafka
 * Streams' interface of the same name). Configured by class name with
 * {@code default.deserialization.exception.handler} (a public no-arg constructor);
 * {@link LogAndFailExceptionHandler} by default. {@code CONTINUE} skips the record: its offset is
 * still committed, so it is not read again. {@code FAIL} stops the stream thread (the instance goes
 * to {@code ERROR}). Called on the stream thread; one instance is shared by all threads, so an
 * implementation must be thread-safe.
 */
public interface DeserializationExceptionHandler {
    enum DeserializationHandlerResponse { CONTINUE, FAIL }

    /** {@code record} holds the raw bytes as read from the topic. */
    DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception);
}
