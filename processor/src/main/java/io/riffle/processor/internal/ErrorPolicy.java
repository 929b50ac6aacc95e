package io.riffle.processor.internal;

import io.riffle.processor.DeserializationExceptionHandler;
import io.riffle.processor.FailOnInvalidTimestamp;
import io.riffle.processor.LogAndFailExceptionHandler;
import io.riffle.processor.LogAndFailProcessingExceptionHandler;
import io.riffle.processor.ProcessingExceptionHandler;
import io.riffle.processor.TimestampExtractor;

/**
 * What a task does with records that fail and how it timestamps them, from the configuration.
 * {@code deadLetterTopic} null = no dead-letter topic. Immutable; the handlers are shared.
 */
public record ErrorPolicy(DeserializationExceptionHandler deserializationHandler, ProcessingExceptionHandler processingHandler,
                          String deadLetterTopic, TimestampExtractor timestampExtractor) {
    public static ErrorPolicy defaults() {
        return new ErrorPolicy(new LogAndFailExceptionHandler(), new LogAndFailProcessingExceptionHandler(), null,
            new FailOnInvalidTimestamp());
    }
}
