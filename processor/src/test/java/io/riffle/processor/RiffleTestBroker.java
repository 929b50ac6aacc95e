package io.riffle.processor;

import java.util.Map;

import io.riffle.log.BrokerFixture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * A Riffle broker in this JVM on an ephemeral loopback port: {@link BrokerFixture} as a
 * {@link TestBroker}. Closing it closes the fixture.
 */
final class RiffleTestBroker implements TestBroker {
    private final BrokerFixture fixture;

    RiffleTestBroker(BrokerFixture fixture) {
        this.fixture = fixture;
    }

    static RiffleTestBroker start() throws Exception {
        return new RiffleTestBroker(new BrokerFixture(Map.of()));
    }

    @Override
    public String bootstrap() {
        return fixture.bootstrap();
    }

    @Override
    public Admin admin() {
        return fixture.admin();
    }

    @Override
    public KafkaProducer<byte[], byte[]> producer(Map<String, Object> settings) {
        return fixture.producer(settings);
    }

    @Override
    public KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> settings) {
        return fixture.consumer(settings);
    }

    @Override
    public void close() throws Exception {
        fixture.close();
    }

    @Override
    public String toString() {
        return "Riffle";
    }
}
