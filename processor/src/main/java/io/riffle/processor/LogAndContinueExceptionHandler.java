package io.riffle.processor;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs a record that cannot be deserialized and skips the record (its offset is committed). Thread-safe. */
public final class LogAndContinueExceptionHandler implements DeserializationExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(LogAndContinueExceptionHandler.class);

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        log.warn("Exception caught during deserialization: task {}, topic {}, partition {}, offset {}", context.taskId(),
            context.topic(), context.partition(), context.offset(), exception);
        return DeserializationHandlerResponse.CONTINUE;
    }
}
