package io.riffle.processor;

import org.apache.kafka.common.header.Headers;

/**
 * Where a record failed, for {@link DeserializationExceptionHandler} and
 * {@link ProcessingExceptionHandler}: the input record's topic, partition, offset, headers and
 * timestamp, the node that failed (the source node for deserialization) and the task.
 */
public record ErrorHandlerContext(String topic, int partition, long offset, Headers headers, long timestamp,
                                  String processorNodeId, String taskId) {
}
