package io.riffle.processor;

import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The broker an integration test runs the processor against, with the official Kafka clients
 * pointed at it: a Riffle broker in this JVM ({@link RiffleTestBroker}) or Apache Kafka in a
 * child JVM ({@link KafkaAnchorBroker}), so the same test proves the processor on both.
 * Closing it closes every client it made and the broker, and deletes its data.
 */
interface TestBroker extends AutoCloseable {

    String bootstrap();

    Admin admin();

    /** A producer with the client's defaults (acks=all, idempotent) plus the given settings. */
    KafkaProducer<byte[], byte[]> producer(Map<String, Object> settings);

    /** A consumer without a group (use assign/seek), auto-commit off, earliest, plus the given settings. */
    KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> settings);

    @Override
    void close() throws Exception;
}
