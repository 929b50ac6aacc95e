package io.riffle.processor;

import io.riffle.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs a record whose processing threw and stops the stream thread (the default). Thread-safe. */
public final class LogAndFailProcessingExceptionHandler implements ProcessingExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(LogAndFailProcessingExceptionHandler.class);

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        log.error("Exception caught during processing: processor {}, task {}, topic {}, partition {}, offset {}",
            context.processorNodeId(), context.taskId(), context.topic(), context.partition(), context.offset(), exception);
        return ProcessingHandlerResponse.FAIL;
    }
}
