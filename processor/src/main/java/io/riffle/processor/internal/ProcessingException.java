package io.riffle.processor.internal;

/** A record could not be processed; the message names the task, topic, partition and offset. */
public class ProcessingException extends RuntimeException {
    public ProcessingException(String message, Throwable cause) {
        super(message, cause);
    }
}
