package io.riffle.processor;

import io.riffle.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs a record whose processing threw and skips the record (its offset is committed). Thread-safe. */
public final class LogAndContinueProcessingExceptionHandler implements ProcessingExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(LogAndContinueProcessingExceptionHandler.class);

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        log.warn("Exception caught during processing: processor {}, task {}, topic {}, partition {}, offset {}",
            context.processorNodeId(), context.taskId(), context.topic(), context.partition(), context.offset(), exception);
        return ProcessingHandlerResponse.CONTINUE;
    }
}
