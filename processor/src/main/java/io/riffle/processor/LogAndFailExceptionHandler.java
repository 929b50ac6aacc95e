package io.riffle.processor;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs a record that cannot be deserialized and stops the stream thread (the default). Thread-safe. */
public final class LogAndFailExceptionHandler implements DeserializationExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(LogAndFailExceptionHandler.class);

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        log.error("Exception caught during deserialization: task {}, topic {}, partition {}, offset {}", context.taskId(),
            context.topic(), context.partition(), context.offset(), exception);
        return DeserializationHandlerResponse.FAIL;
    }
}
